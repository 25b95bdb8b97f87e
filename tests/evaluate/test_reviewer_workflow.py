"""What reviewers met: `eval score` dropping a draft whose title differs by one word from the win rates, and
`eval compare` calling optional parts (导语, 结尾) and items beyond the mandated aspects "缺少此部分"."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.draft.drafter import OfflineDrafter
from pipeline.evaluate.blind import make_pack, unit_key
from pipeline.evaluate.compare import MeasureOptions, compare_files
from pipeline.evaluate.compare_html import render_compare_html
from pipeline.material.document import Item, Point, Section
from pipeline.material.load import load_document
from pipeline.run.runner import DraftOptions, draft_all

ROOT = Path(__file__).resolve().parents[2]
VILLAGE = ROOT / "examples" / "village-2023-zhuti.yaml"
HEADER = "稿件,重大问题数,一般问题数,轻微问题数,可否作为送审稿（是/否）,预计修改用时（分钟）,意见"


@pytest.fixture(autouse=True)
def isolated(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "duizhao-cache"))
    for name in ("DUIZHAO_STORE_DIR", "DUIZHAO_CHROMA_URL", "OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def village(tmp_path_factory, retriever) -> Path:
    """The village example drafted offline (its .json)."""
    out = tmp_path_factory.mktemp("village")
    [result] = asyncio.run(draft_all([VILLAGE], DraftOptions(outdir=out, docx=False), OfflineDrafter, lambda: retriever))
    assert result.ok, result
    return next(Path(p) for p in result.outputs if p.endswith(".json"))


def variant(source: Path, target: Path, **changes) -> Path:
    document = load_document(source).document.model_copy(deep=True, update=changes.pop("update", {}))
    for edit in changes.values():
        edit(document)
    target.write_text(document.model_dump_json(), encoding="utf-8")
    return target


def test_titles_that_differ_by_the_genre_words_are_one_unit():
    base = "城关镇东山村党支部2023年主题教育专题民主生活会对照检查材料"
    same = ["城关镇东山村党支部班子对照检查材料", "《城关镇东山村党支部 2023年度 民主生活会 班子对照检查材料》",
            "城关镇东山村党支部对照检查材料"]
    assert {unit_key(title) for title in [base, *same]} == {"城关镇东山村党支部"}
    # Different units stay apart.
    assert unit_key("县市场监督管理局机关第一党支部对照检查材料") != unit_key("县市场监督管理局领导班子对照检查材料")


def test_score_compares_drafts_whose_titles_differ_by_one_word(village, tmp_path):
    document = load_document(village).document
    other = variant(village, tmp_path / "手写稿.json", update={"title": document.title.replace("对照检查材料", "班子对照检查材料")})
    assert load_document(other).document.title != document.title
    key, _ = make_pack([f"offline={village}", f"手写={other}"], tmp_path / "pack", seed=3)
    names = {e.label: e.name for e in key.entries}
    sheet = tmp_path / "评审人1.csv"
    sheet.write_text(f"{HEADER}\n{names['offline']},0,1,0,是,10,\n{names['手写']},1,2,0,否,30,\n", encoding="utf-8-sig")
    result = CliRunner().invoke(app, ["eval", "score", str(tmp_path / "pack"), str(sheet), "--json"])
    assert result.exit_code == 0, result.output
    import json

    report = json.loads(result.stdout)
    systems = {s["label"]: s for s in report["systems"]}
    assert systems["offline"]["win_rate_problems"] == 1.0 and systems["手写"]["win_rate_problems"] == 0.0
    assert systems["offline"]["comparisons"] == 1
    assert not any("个单位" in note for note in report["notes"])


def test_compare_does_not_call_optional_parts_missing(village, tmp_path):
    def drop_closing(document):
        document.sections = [s for s in document.sections if s.role != "closing"]

    def drop_problem_intro(document):
        document.section("problems").intro = []

    def add_closing(document):
        if document.section("closing") is None:
            document.sections.append(Section(role="closing", intro=[Point(text="总之，班子将以此次民主生活会为新起点。")]))

    def add_problem_intro(document):
        document.section("problems").intro = [Point(text="对照会议要求，班子查摆出以下问题。")]

    def extra_item(document):
        problems = document.section("problems")
        problems.items.append(Item(marker="（七）", heading="在其他方面", points=[Point(text="一是档案管理不规范，比如2023年有3份会议记录未归档。")]))

    full = variant(village, tmp_path / "完整.json", closing=add_closing, intro=add_problem_intro, extra=extra_item)
    bare = variant(village, tmp_path / "简稿.json", closing=drop_closing, intro=drop_problem_intro)
    comparison = compare_files([f"完整={full}", f"简稿={bare}"], MeasureOptions(profile=VILLAGE))
    optional = [row for row in comparison.rows if not all(c.present for c in row.cells)]
    assert {row.key for row in optional} >= {"closing", "problems:intro", "problems:#1"}
    assert not any(row.required for row in optional)
    assert "closing" not in comparison.required_roles and "problems" in comparison.required_roles
    page = render_compare_html(comparison)
    assert "缺少此部分" not in page and "缺少此方面" not in page and "会议不作要求" in page
    result = CliRunner().invoke(app, ["eval", "compare", f"完整={full}", f"简稿={bare}", "--profile", str(VILLAGE)],
                                env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "缺少此部分" not in result.stdout and "缺少此方面" not in result.stdout
    # A mandated aspect is still reported when a draft lacks it.
    cut = variant(village, tmp_path / "缺一方面.json",
                  cut=lambda d: setattr(d.section("problems"), "items", d.section("problems").items[1:]))
    result = CliRunner().invoke(app, ["eval", "compare", f"完整={full}", f"缺={cut}", "--profile", str(VILLAGE)],
                                env={"COLUMNS": "160"})
    assert "缺少此部分" in result.stdout and "存在" in result.stdout
