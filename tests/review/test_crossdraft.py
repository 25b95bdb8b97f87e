"""Cross-draft 查重: drafts of one batch, earlier drafts in the output folder and `check --corpus DIR` name the other
draft per section; the meeting's mandated wording (theme, aspect names, title pattern) is not copying."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.core.resources import data_dir
from pipeline.material.load import load_document
from pipeline.material.specs import load_spec
from pipeline.review.check import CheckOptions, check_file
from pipeline.material.document import layout
from pipeline.review.content import check_copy
from pipeline.review.copyrate import load_corpus
from pipeline.review.mandated import mandated_phrases
from pipeline.review.crossdraft import DraftText, cross_check

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GOOD = Path(__file__).resolve().parents[1] / "fixtures" / "content" / "good_draft.txt"
SPEC = load_spec("2024-niandu-minzhu")


@pytest.fixture(autouse=True)
def cache_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "duizhao-cache"))
    monkeypatch.delenv("DUIZHAO_STORE_DIR", raising=False)
    monkeypatch.delenv("DUIZHAO_CHROMA_URL", raising=False)


def good_lines() -> list[str]:
    return GOOD.read_text(encoding="utf-8").split("\n")


def document(lines: list[str], tmp_path: Path, name: str):
    path = tmp_path / name
    path.write_text("\n".join(lines), encoding="utf-8")
    return load_document(path, SPEC).document


def other_unit(lines: list[str]) -> list[str]:
    """The good draft as another unit would hand it in having copied it: new name, causes rewritten."""
    text = "\n".join(lines).replace("青山县农业农村局党组", "白河县水利局党组").replace("局党组", "党组班子")
    start, end = text.index("（一）理想信念有所松懈"), text.index("四、整改措施")
    causes = ("（一）对理论学习抓得不紧。党组中心组全年只安排了两次专题研讨，班子成员交流发言多是照读材料。\n"
              "（二）作风上有松劲思想。满足于完成上级交办的任务，主动研究水利项目建设难题少。\n")
    return (text[:start] + causes + text[end:]).split("\n")


# ---- the library -------------------------------------------------------------------------------------------

def test_each_draft_names_the_other_per_section(tmp_path):
    mine = document(good_lines(), tmp_path, "a.txt")
    theirs = document(other_unit(good_lines()), tmp_path, "b.txt")
    results = {r.draft: r for r in cross_check([DraftText("青山县.md", mine, SPEC), DraftText("白河县.md", theirs, SPEC)])}
    assert set(results) == {"青山县.md", "白河县.md"}
    result = results["白河县.md"]
    assert result.other == "青山县.md" and result.rate > 0.5
    sections = {s["section"]: s for s in result.sections}
    assert sections["二、存在的问题"]["rate"] > 0.8 and sections["二、存在的问题"]["other"] == "青山县.md"
    assert sections["三、产生问题的原因"]["rate"] == 0.0  # rewritten: nothing shared
    copied = [f for f in result.findings if f.code == "cross-copy"]
    assert copied and all("青山县.md" in f.message for f in copied)
    assert {f.location for f in copied} >= {"全文", "二、存在的问题", "四、整改措施"}
    assert "三、产生问题的原因" not in {f.location for f in copied}


def test_a_draft_alone_is_compared_with_nothing(tmp_path):
    (result,) = cross_check([DraftText("青山县.md", document(good_lines(), tmp_path, "a.txt"), SPEC)])
    assert result.rate == 0.0 and result.findings == []


def material(unit: str, preamble: str, problem: str, measure: str) -> list[str]:
    """Two units of one meeting: the same title pattern, theme and aspect headings, their own words elsewhere."""
    lines = [f"{unit}2024年度民主生活会班子对照检查材料", preamble, "一、存在的问题"]
    lines += [f"（{n}）{aspect.name}方面\n{problem}" for n, aspect in zip("一二三四", SPEC.aspects)]
    lines += ["二、产生问题的原因", "（一）理想信念有所松懈。" + problem, "三、整改措施", "（一）" + measure]
    return lines


def test_mandated_wording_is_not_copying(tmp_path):
    first = document(material("东关街道党工委", "根据区委关于开好2024年度民主生活会的通知，党工委班子会前谈心谈话31人次。",
                              "辖区老旧小区改造有6个项目拖到年底才开工。",
                              "2025年5月底前完成全部6个项目，由分管副主任负责。"), tmp_path, "a.txt")
    second = document(material("西岭乡党委", "按照2024年度民主生活会的部署，乡党委征求意见建议19条，现作对照检查。",
                               "乡里3个村的饮水工程验收资料缺失，群众反映了两次。",
                               "2025年3月底前补齐资料并复验，由乡长牵头。"), tmp_path, "b.txt")
    exempt = cross_check([DraftText("a.md", first, SPEC), DraftText("b.md", second, SPEC)])
    assert [r.rate for r in exempt] == [0.0, 0.0]
    # Without the spec, the aspect names (四个“带头”) and the title pattern would count as shared runs.
    counted = cross_check([DraftText("a.md", first), DraftText("b.md", second)])
    assert all(r.rate > 0.1 for r in counted)


def test_quoting_the_theme_is_not_copying_a_fan_wen():
    """Seed 001 quotes the 2023 theme (学习贯彻习近平新时代中国特色社会主义思想…); against the other 范文 that quote was
    counted as copying. With its spec the quotes are exempt and only the rest is counted."""
    spec = load_spec("2023-zhuti-minzhu")
    assert "2023年学习贯彻习近平新时代中国特色社会主义思想主题教育专题民主生活会" in mandated_phrases(spec)
    seed = next(data_dir("corpus").glob("001_*.txt"))
    doc = load_document(seed, spec).document
    corpus = load_corpus()
    blocks = layout(doc)
    counted = check_copy(doc, blocks, corpus, set())[1]
    exempt = check_copy(doc, blocks, corpus, set(), spec)[1]
    assert exempt.rate < counted.rate / 2
    assert not any("习近平新时代中国特色社会主义思想" == run.text for run in exempt.report.runs)
    assert exempt.report.runs  # other shared wording still counts (谈心谈话 … 征求意见建议)


# ---- the runner: a batch, and earlier drafts in the output folder ---------------------------------------------

def twin_profiles(tmp_path: Path) -> tuple[Path, Path]:
    """A unit's profile and a second unit's copy of it (same facts, another name)."""
    data = yaml.safe_load((EXAMPLES / "agency-2024-dangji.yaml").read_text(encoding="utf-8"))
    first = tmp_path / "profiles" / "first.yaml"
    first.parent.mkdir()
    first.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    data["unit"]["name"] = "县市场监督管理局机关第二党支部"
    second = tmp_path / "profiles" / "second.yaml"
    second.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return first, second


def test_a_batch_names_the_draft_a_unit_copied_from(tmp_path, retriever):
    from pipeline.draft.drafter import OfflineDrafter
    from pipeline.run.runner import DraftOptions, draft_all
    import asyncio

    first, second = twin_profiles(tmp_path)
    options = DraftOptions(outdir=tmp_path / "out", docx=False)
    results = asyncio.run(draft_all([first.parent], options, OfflineDrafter, lambda: retriever))
    by_unit = {r.unit: r for r in results}
    copied = by_unit["县市场监督管理局机关第二党支部"].cross_copy
    assert copied.other == "县市场监督管理局机关第一党支部.md" and copied.rate > 0.3
    assert any(f.code == "cross-copy" and "县市场监督管理局机关第一党支部.md" in f.message for f in copied.findings)
    assert by_unit["县市场监督管理局机关第一党支部"].cross_copy.other == "县市场监督管理局机关第二党支部.md"
    assert by_unit["县市场监督管理局机关第二党支部"].errors >= sum(f.severity == "error" for f in copied.findings)


def test_a_later_draft_is_compared_with_the_earlier_ones_in_the_folder(tmp_path, retriever):
    from pipeline.draft.drafter import OfflineDrafter
    from pipeline.run.runner import DraftOptions, draft_all
    import asyncio

    first, second = twin_profiles(tmp_path)
    options = DraftOptions(outdir=tmp_path / "out", docx=False)
    (alone,) = asyncio.run(draft_all([first], options, OfflineDrafter, lambda: retriever))
    assert alone.cross_copy is None  # nothing earlier in the folder
    (later,) = asyncio.run(draft_all([second], options, OfflineDrafter, lambda: retriever))
    assert later.cross_copy.other == "县市场监督管理局机关第一党支部.md" and later.cross_copy.rate > 0.3
    # Redrafting the same unit is not compared with its own earlier draft.
    again = DraftOptions(outdir=tmp_path / "out", docx=False, force=True)
    (redrafted,) = asyncio.run(draft_all([second], again, OfflineDrafter, lambda: retriever))
    assert redrafted.cross_copy.other == "县市场监督管理局机关第一党支部.md"
    # Rerunning the same command keeps the draft, and says what was said of it: still 雷同, still not passed.
    (kept,) = asyncio.run(draft_all([second], options, OfflineDrafter, lambda: retriever))
    assert kept.done_before and not kept.ok and kept.cross_copy.other == "县市场监督管理局机关第一党支部.md"
    assert kept.errors == redrafted.errors


# ---- check --corpus DIR ------------------------------------------------------------------------------------------

def test_check_corpus_folder_of_drafts(tmp_path):
    folder = tmp_path / "drafts"
    folder.mkdir()
    (folder / "青山县.md").write_text(GOOD.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "青山县.json").write_text(json.dumps({"document": {}, "system": "offline"}), encoding="utf-8")
    mine = folder / "白河县.md"
    mine.write_text("\n".join(other_unit(good_lines())), encoding="utf-8")
    shutil.copy(mine, folder / "白河县.txt")  # the same draft in another form: not another draft
    report = check_file(mine, CheckOptions(spec=SPEC.id, corpus=folder))
    copied = [f for f in report.findings if f.code == "cross-copy"]
    assert copied and all("青山县.md" in f.message for f in copied)
    assert "白河县.txt" not in json.dumps(report.metrics.get("copy_sources", {}), ensure_ascii=False)
    result = CliRunner().invoke(app, ["check", str(mine), "--spec", SPEC.id, "--corpus", str(folder)])
    assert result.exit_code == 1 and "与另一份草稿雷同" in result.output


def test_formulae_and_studied_titles_are_not_copying_but_a_units_own_sentence_is(tmp_path, retriever):
    """Two branches' offline drafts share the composer's connectives (…的对照检查情况如下) and the title of the
    regulation both studied; neither makes them 雷同. The same fact sentence in both still does."""
    base = yaml.safe_load((EXAMPLES / "agency-2024-dangji.yaml").read_text(encoding="utf-8"))
    other = yaml.safe_load((EXAMPLES / "enterprise-2024-dangji.yaml").read_text(encoding="utf-8"))
    from pipeline.draft.drafter import OfflineDrafter
    from pipeline.run.runner import DraftOptions, draft_all
    import asyncio

    def drafted(data: dict, name: str, outdir: Path):
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        options = DraftOptions(outdir=outdir, docx=False)
        result = asyncio.run(draft_all([path], options, OfflineDrafter, lambda: retriever))[0]
        record = next(Path(p) for p in result.outputs if p.endswith(".json"))
        return DraftText(name, load_document(record).document, load_spec(data["meeting"]["spec"]))

    for data in (base, other):
        data["preparation"]["study"] = "集中学习《中国共产党纪律处分条例》4次"
    first, second = drafted(base, "a", tmp_path / "a"), drafted(other, "b", tmp_path / "b")
    results = {r.draft: r for r in cross_check([first, second])}
    assert not [f for r in results.values() for f in r.findings], [f.message for r in results.values() for f in r.findings]
    shared = "支部委员会全年有2次没有按期研究党员发展和教育管理工作"
    base["preparation"]["other"] = [shared]
    other["preparation"]["other"] = [shared]
    first, second = drafted(base, "a", tmp_path / "a2"), drafted(other, "b", tmp_path / "b2")
    findings = [f for r in cross_check([first, second]) for f in r.findings]
    assert findings and any(shared[:13] in f.message for f in findings)
