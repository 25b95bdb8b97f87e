"""Large inputs: 100+ problems in one aspect, very long facts and queries, unit names with control characters,
a batch whose retrieval does not hold up drafting. Speeds are measured in eval/ (bench_batch, bench_scale)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.draft.drafter import OfflineDrafter
from pipeline.draft.plan import make_outline
from pipeline.material.load import load_document
from pipeline.material.profile import load_profile, resolve_spec
from pipeline.review.structure import check_structure
from pipeline.run.runner import DraftOptions, draft_all
from pipeline.text.numbering import cn_to_int, int_to_cn
from pipeline.text.query import MAX_QUERY_CHARS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "agency-2024-dangji.yaml"
ENV = {"DUIZHAO_EMBEDDER": "hash", "OPENAI_BASE_URL": None, "OPENAI_API_KEY": None, "DUIZHAO_STORE_DIR": None,
       "DUIZHAO_CHROMA_URL": None, "COLUMNS": "120"}


def profile_with(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "unit.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_numbers_of_any_count_read_back():
    assert [int_to_cn(n) for n in (99, 100, 101, 110, 1005, 2019)] == ["九十九", "一百", "一百零一", "一百一十", "一千零五",
                                                                    "二千零一十九"]
    assert all(cn_to_int(int_to_cn(n)) == n for n in range(1, 10000))
    with pytest.raises(ValueError, match="超出范围"):
        int_to_cn(10000)


def test_a_hundred_and_twenty_problems_in_one_aspect(tmp_path, retriever):
    def many(data):
        data["aspects"]["政治纪律"] = [{"problem": f"第{i}个问题是学习联系实际不够", "facts": [f"全年有{i}次学习没有联系岗位"]}
                                    for i in range(1, 121)]

    path = profile_with(tmp_path, many)
    [result] = asyncio.run(draft_all([path], DraftOptions(outdir=tmp_path / "out", docx=False), OfflineDrafter,
                                     lambda: retriever))
    assert result.error is None and result.ok, result
    spec = resolve_spec(load_profile(path))
    [md] = (tmp_path / "out").glob("*.md")
    assert "一百二十是" in md.read_text(encoding="utf-8")
    report = check_structure(load_document(md, spec), spec)
    assert report.ok, [f.message for f in report.findings if f.severity == "error"]


def test_retrieval_queries_are_capped(tmp_path):
    def long_facts(data):
        data["aspects"]["政治纪律"][0]["facts"] = ["很长的事实。" * 200_000]
        data["aspects"]["组织纪律"] = [{"problem": f"问题{i}"} for i in range(9_999)]  # the most numbering writes

    profile = load_profile(profile_with(tmp_path, long_facts))
    outline = make_outline(profile, resolve_spec(profile))
    assert max(len(item.query) for item in outline.items()) <= MAX_QUERY_CHARS


def test_search_cuts_a_long_query_with_a_notice(tmp_path, retriever, monkeypatch):
    import pipeline.corpus.retrieve as retrieve

    seen = []
    real = retrieve.tokenize
    monkeypatch.setattr(retrieve, "tokenize", lambda text: seen.append(len(text)) or real(text))
    hits = retriever.retrieve("理论学习不够深入，" * 100_000, k=3)
    assert hits and seen == [MAX_QUERY_CHARS]
    store = tmp_path / "store"
    assert CliRunner().invoke(app, ["ingest", "--store", str(store)], env=ENV).exit_code == 0
    result = CliRunner().invoke(app, ["search", "理论学习" * 1000, "--store", str(store), "-k", "1"], env=ENV)
    assert result.exit_code == 0 and f"只用前 {MAX_QUERY_CHARS} 字" in result.stderr


@pytest.mark.parametrize("name", ["第一\x00党支部", "第一\x1b[31m党支部\x1b[0m", "第一\x07\x08党\x7f支部"],
                         ids=["nul", "ansi", "controls"])
def test_unit_names_with_control_characters(tmp_path, name):
    escaped = name.encode("unicode_escape").decode("ascii")
    text = EXAMPLE.read_text(encoding="utf-8").replace("name: 县市场监督管理局机关第一党支部", f'name: "{escaped}"')
    path = tmp_path / "unit.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["draft", str(path), "--offline", "-o", str(tmp_path / "out"), "--store",
                                      str(tmp_path / "store"), "--no-docx"], env=ENV)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x00" not in result.output
    assert sorted(p.name for p in (tmp_path / "out").glob("*.md")) == ["第一党支部.md"]
    assert "第一党支部" in (tmp_path / "out" / "第一党支部.md").read_text(encoding="utf-8")


def test_batch_drafts_while_later_units_are_still_retrieving(tmp_path, retriever):
    """Retrieval runs off the event loop: the first unit's drafting starts before the last unit's retrieval ends."""
    folder = tmp_path / "profiles"
    folder.mkdir()
    for n in range(4):
        (folder / f"u{n}.yaml").write_text(EXAMPLE.read_text(encoding="utf-8").replace(
            "县市场监督管理局机关第一党支部", f"县市场监督管理局机关第{n + 1}党支部"), encoding="utf-8")
    events: list[tuple[str, float]] = []

    class SlowRetriever:
        embedder = retriever.embedder

        def retrieve(self, *args, **kwargs):
            time.sleep(0.05)  # a slow embedder or a large store
            events.append(("retrieve", time.monotonic()))
            return retriever.retrieve(*args, **kwargs)

    def progress(event, unit, key, role):
        if event == "start":
            events.append(("draft", time.monotonic()))

    async def run():
        return await draft_all([folder], DraftOptions(outdir=tmp_path / "out", docx=False), OfflineDrafter,
                               lambda: SlowRetriever(), progress)

    results = asyncio.run(run())
    assert all(r.error is None for r in results)
    first_draft = min(t for kind, t in events if kind == "draft")
    last_retrieval = max(t for kind, t in events if kind == "retrieve")
    assert first_draft < last_retrieval
