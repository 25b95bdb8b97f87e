"""`duizhao draft MEETING.yaml` on a meeting file not among the examples: the six meeting documents land beside the
materials, the summary and index.md list each with its check, and their numbers are the file's own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document as WordDocument

from tests.cli.test_cli_meeting import invoke

ROOT = Path(__file__).resolve().parents[2]
SCHOOL = ROOT / "tests" / "fixtures" / "meetings" / "school-branch-zuzhi.yaml"
DOCUMENTS = ["会议方案", "征求意见表", "谈心谈话提纲-沈佳", "谈心谈话提纲-唐宁", "主持词", "整改方案", "情况报告"]


@pytest.mark.slow
def test_draft_writes_the_six_documents_of_a_fresh_meeting(tmp_path, monkeypatch, retriever):
    import pipeline.draft.factory
    import pipeline.review.copyrate
    from pipeline.draft.drafter import OfflineDrafter

    monkeypatch.setattr(pipeline.draft.factory, "retriever_factory", lambda settings, on_ingest=None: lambda: retriever)
    monkeypatch.setattr(pipeline.draft.factory, "drafter_factory", lambda settings: OfflineDrafter)
    real = pipeline.review.copyrate.load_corpus
    monkeypatch.setattr(pipeline.review.copyrate, "load_corpus", lambda folder=None, **kw: real(folder, use_store=False))
    result = invoke("draft", SCHOOL, "-o", tmp_path / "out", "--offline")
    # 1 when a material has findings (this sparse file leaves members’ measures out); the documents are checked below.
    assert result.exit_code in (0, 1), result.output
    folder = tmp_path / "out" / "南湖中学教工第一党支部2025年组织生活会"
    index = (folder / "index.md").read_text(encoding="utf-8")
    source = set(re.findall(r"\d+", SCHOOL.read_text(encoding="utf-8") + "2025"))
    for stem in DOCUMENTS:
        for ext in ("md", "docx"):
            assert (folder / f"{stem}.{ext}").is_file() and f"{stem}.{ext}" in index
        assert stem.split("-")[0] in result.stdout
        row = next(line for line in index.splitlines() if f"{stem}.md" in line)
        assert "| 通过" in row, row  # each passes its own kind's check (【待补】 are warnings)
        text = (folder / f"{stem}.md").read_text(encoding="utf-8")
        bare = re.sub(r"\d+[名个对项条]（据会议文件统计）", "", text)
        bare = re.sub(r"^(#+ )?\d+\.", "", bare, flags=re.M)  # numbering
        assert set(re.findall(r"\d+", bare)) <= source, stem
    plan = WordDocument(str(folder / "会议方案.docx"))
    assert "【待补：会议时间】" in "\n".join(p.text for p in plan.paragraphs)


COUNTY = ROOT / "tests" / "fixtures" / "meetings" / "county-bureau-dangzu.yaml"


def test_meeting_docs_writes_only_the_documents_and_keeps_existing_files(tmp_path):
    result = invoke("meeting", "docs", COUNTY, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    folder = tmp_path / "临川县水利局党组2025年民主生活会"
    names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    assert len(names) == 2 * (5 + 3) and "会议方案.docx" in names and "谈心谈话提纲-罗文.md" in names
    assert not any("对照检查材料" in n for n in names)  # the materials come with `duizhao draft`
    again = invoke("meeting", "docs", COUNTY, "-o", tmp_path)
    assert again.exit_code == 2 and "已存在" in again.stderr and len(again.stderr.strip().splitlines()) == 1
    plan = folder / "会议方案.md"
    plan.write_text("我改过的方案", encoding="utf-8")
    forced = invoke("meeting", "docs", COUNTY, "-o", tmp_path, "--force")
    assert forced.exit_code == 2 and plan.read_text(encoding="utf-8") == "我改过的方案"
    plan.unlink()
    assert invoke("meeting", "docs", COUNTY, "-o", tmp_path, "--force").exit_code == 0
    assert "临川县水利局党组关于召开" in plan.read_text(encoding="utf-8")
