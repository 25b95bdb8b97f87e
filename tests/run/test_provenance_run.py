"""A capable model's unsupported sentences in every output of a draft: recorded in the .json, marked in the .md,
highlighted and commented in the .docx (read back with python-docx), and `check --final` fails on each format
until they are confirmed or deleted; --strict drops them instead."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_COLOR_INDEX
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.draft.drafter import ModelDrafter
from pipeline.models.fake import QueuedChatModel
from pipeline.run.runner import DraftOptions, draft_all

ROOT = Path(__file__).resolve().parents[2]
COUNTY = ROOT / "examples" / "county-2025-niandu.yaml"
CLAIM = "政绩观存在偏差，碍于情面不愿较真碰硬。"


def draft(outdir: Path, retriever, **options) -> dict:
    # Every item is answered with one invented admission: the drafter puts the unit's facts back in.
    factory = lambda: ModelDrafter(QueuedChatModel(default=f"{CLAIM}以上问题必须高度重视。"), "fake")  # noqa: E731
    [result] = asyncio.run(draft_all([COUNTY], DraftOptions(outdir=outdir, concurrency=2, **options), factory,
                                     lambda: retriever))
    assert result.error is None, result.error
    # The draft command tells the clerk how many to check and how (none left to check in strict mode).
    assert any("duizhao confirm" in note for note in result.notes) != options.get("strict", False)
    return json.loads((outdir / "临河县水利局领导班子.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def drafted(tmp_path_factory, retriever):
    outdir = tmp_path_factory.mktemp("prov")
    return outdir, draft(outdir, retriever)


def test_record_md_and_docx_show_every_unsupported_sentence(drafted):
    outdir, record = drafted
    model = [s for i in record["items"] for s in i["sentences"] if s["source"] == "model"]
    assert model and all(s["text"] == CLAIM for s in model if "政绩观" in s["text"])
    assert CLAIM in record["document"]["unsourced"]
    md = (outdir / "临河县水利局领导班子.md").read_text(encoding="utf-8")
    assert f"〖无依据：{CLAIM}〗" in md
    word = docx.Document(str(outdir / "临河县水利局领导班子.docx"))
    pink = [r.text for p in word.paragraphs for r in p.runs if r.font.highlight_color == WD_COLOR_INDEX.PINK]
    assert CLAIM in pink
    comments = [c for c in word.comments if "资料中没有依据" in c.text]
    assert len(comments) == len(pink)
    # The comment is anchored on the sentence itself, apart from the 范文 notes.
    body = word.element.body.xml
    assert body.count("commentRangeStart") >= len(comments)


@pytest.mark.parametrize("ext", ["json", "md", "docx"])
def test_check_final_fails_while_a_sentence_stands(drafted, ext):
    outdir, _ = drafted
    path = outdir / f"临河县水利局领导班子.{ext}"
    final = CliRunner().invoke(app, ["check", str(path), "--final", "--structure-only", "--json"])
    assert final.exit_code == 1, final.output
    assert '"unsourced"' in final.output


def test_strict_drops_and_leaves_a_precise_slot(tmp_path, retriever):
    record = draft(tmp_path, retriever, strict=True)
    text = json.dumps(record["document"], ensure_ascii=False)
    assert "政绩观" not in text.replace("原句“政绩观", "")
    assert "此处删去了资料中没有依据的内容" in text
    assert record["document"]["unsourced"] == []


def test_confirm_keeps_and_deletes_by_number_and_rewrites_every_output(tmp_path, retriever):
    record = draft(tmp_path, retriever)
    json_path = tmp_path / "临河县水利局领导班子.json"
    runner = CliRunner()
    listed = runner.invoke(app, ["confirm", str(json_path)])
    assert listed.exit_code == 1 and "1. [" in listed.output
    count = len(record["document"]["unsourced"])
    first = next(s for i in record["items"] for s in i["sentences"] if s["source"] == "model")
    bad = runner.invoke(app, ["confirm", str(json_path), "--keep", str(count + 5)])
    assert bad.exit_code == 2 and "没有第" in bad.output
    kept = runner.invoke(app, ["confirm", str(json_path), "--keep", "1"])
    assert kept.exit_code == 1, kept.output  # others still stand
    after = json.loads(json_path.read_text(encoding="utf-8"))
    confirmed = [s for i in after["items"] for s in i["sentences"] if s.get("confirmed")]
    assert len(confirmed) == 1 and confirmed[0]["source"] == "unit" and confirmed[0]["text"] == first["text"]
    rest = ",".join(str(n) for n in range(1, count))  # renumbered: the kept one is off the list
    deleted = runner.invoke(app, ["confirm", str(json_path), "--delete", rest])
    assert deleted.exit_code == 0, deleted.output
    md = (tmp_path / "临河县水利局领导班子.md").read_text(encoding="utf-8")
    assert "〖无依据：" not in md and md.count(CLAIM) == 1  # the confirmed one only
    word = docx.Document(str(tmp_path / "临河县水利局领导班子.docx"))
    assert not [r for p in word.paragraphs for r in p.runs if r.font.highlight_color == WD_COLOR_INDEX.PINK]
    for ext in ("json", "md", "docx"):
        final = runner.invoke(app, ["check", str(tmp_path / f"临河县水利局领导班子.{ext}"), "--final",
                                    "--structure-only", "--json"])
        assert '"unsourced"' not in final.output, ext
    # Nothing left to check: --keep says so, not "编号 1–0".
    nothing = runner.invoke(app, ["confirm", str(json_path), "--keep", "1"])
    assert nothing.exit_code == 2 and "没有待核实的句子" in nothing.output and "1–0" not in nothing.output
