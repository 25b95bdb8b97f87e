"""Content review of `duizhao check`: copy rate, 见人见事, stock phrases, problems ↔ measures, causes,
redundancy, length and facts — on the seeds and on hand-made drafts derived from them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.review import copyrate
from pipeline.material.budget import section_budgets
from pipeline.cli.main import app
from pipeline.material.document import layout
from pipeline.review.content import check_content, length_score, rendered_text, units_of
from pipeline.review.rules import concrete_markers, specificity, stock_clauses
from pipeline.material.document import render
from pipeline.material.load import load_document
from pipeline.text.overlap import normalise
from pipeline.core.resources import data_dir, lexicon
from pipeline.review.check import CheckOptions, check_file
from pipeline.material.specs import load_spec
from pipeline.corpus.passages import read_manifest

CORPUS = data_dir("corpus")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "content"
GOOD = FIXTURES / "good_draft.txt"
PROFILE = FIXTURES / "profile.yaml"
SEEDS = {path.name[:3]: path for path in sorted(CORPUS.glob("*.txt"))}
# People see a packaged 范文 by its manifest title, never its hash file name.
TITLE = {prefix: read_manifest(CORPUS)[path.name].title for prefix, path in SEEDS.items()}


@pytest.fixture(autouse=True)
def cache_dir(tmp_path_factory, monkeypatch):
    # One index cache for this file, never the user's ~/.cache.
    folder = tmp_path_factory.getbasetemp() / "duizhao-cache"
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(folder))
    monkeypatch.delenv("DUIZHAO_STORE_DIR", raising=False)
    monkeypatch.delenv("DUIZHAO_CHROMA_URL", raising=False)
    return folder


def codes(report, code: str) -> list:
    return [f for f in report.findings if f.code == code]


def draft(tmp_path: Path, name: str, replace: dict[str, str] | None = None, text: str | None = None) -> Path:
    """A hand-made variant of the good draft: each key line (by its start) replaced by the value."""
    lines = (text or GOOD.read_text(encoding="utf-8")).split("\n")
    for start, new in (replace or {}).items():
        (index,) = [i for i, line in enumerate(lines) if line.startswith(start)]
        lines[index] = new
    path = tmp_path / name
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def seed_paragraph(prefix: str, start: str) -> str:
    (line,) = [line for line in SEEDS[prefix].read_text(encoding="utf-8").split("\n") if line.startswith(start)]
    return line


# --- the layout the checks and the report share -----------------------------------------------------


@pytest.mark.parametrize("prefix", sorted(SEEDS))
def test_layout_renders_exactly_like_the_document(prefix):
    document = load_document(SEEDS[prefix]).document
    assert rendered_text(layout(document)) + "\n" == render(document)


# --- the good draft passes the content review -------------------------------------------------------


def test_a_concrete_well_matched_draft_has_no_content_findings():
    report = check_file(GOOD, CheckOptions())
    assert report.ok and report.spec is None
    content_codes = {f.code for f in report.findings} - {"spec-guess"}
    assert content_codes == set(), report.findings
    metrics = report.metrics
    assert metrics["copy_rate"] < 0.03 and metrics["copy_excluded"] == []
    assert metrics["specificity"]["without_case"] == 0 and metrics["specificity_mean"] >= 0.35
    assert all(pair["similarity"] >= 0.2 for pair in metrics["answers"]["pairs"])
    assert metrics["length_score"] is None  # no target given


# --- copy rate ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", sorted(SEEDS))
def test_a_seed_is_not_reported_as_copying_itself(prefix):
    report = check_file(SEEDS[prefix], CheckOptions())
    metrics = report.metrics
    assert metrics["copy_excluded"] == [TITLE[prefix]]
    assert TITLE[prefix] not in metrics["copy_sources"]
    assert metrics["copy_corpus_sources"] == 5
    # Measured: the seeds share formulas with each other (1.1 %–4.7 % of their characters), never 10 % overall.
    assert 0.005 < metrics["copy_rate"] < 0.1
    assert not [f for f in codes(report, "copy-rate") if f.severity == "error"]


def test_runs_shared_between_seeds_are_real_and_named():
    report = check_file(SEEDS["004"], CheckOptions())
    longest = report.metrics["copy_longest"]
    # Measured: 004 shares 26 characters with 000 about the “总开关”.
    assert longest["source"] == TITLE["000"] and "总开关" in longest["text"]
    source = normalise(SEEDS["000"].read_text(encoding="utf-8"))[0]
    assert normalise(longest["text"])[0] in source
    assert len(normalise(longest["text"])[0]) >= 13
    assert set(report.metrics["copy_sources"]) == {TITLE[p] for p in ("000", "001", "002", "003")}


def test_a_draft_copying_a_seed_paragraph_gets_a_copy_rate_error_naming_it(tmp_path):
    copied = [seed_paragraph("002", f"（{n}）注重") for n in "一二三四"]
    text = GOOD.read_text(encoding="utf-8")
    head, tail = text.split("四、整改措施\n")
    measures_end = tail.index("\n\n")
    path = tmp_path / "抄袭.txt"
    path.write_text(head + "四、整改措施\n" + "\n".join(copied) + tail[measures_end:], encoding="utf-8")
    report = check_file(path, CheckOptions())
    assert not report.ok
    errors = [f for f in codes(report, "copy-rate") if f.severity == "error"]
    by_location = {f.location: f for f in errors}
    assert "四、整改措施" in by_location
    message = by_location["四、整改措施"].message
    assert TITLE["002"] in message
    quoted = re.search(r"最长重复片段“(.+)”$", message).group(1).rstrip("…")
    assert normalise(quoted)[0] in normalise(SEEDS["002"].read_text(encoding="utf-8"))[0]
    section = next(s for s in report.metrics["copy_sections"] if s["section"] == "四、整改措施")
    assert section["rate"] > 0.9 and max(section["sources"], key=section["sources"].get) == TITLE["002"]
    assert report.metrics["copy_rate"] > 0.3  # the whole draft: error too
    assert by_location.get("全文") is not None


def test_one_copied_sentence_only_warns(tmp_path):
    sentence = "始终把加强理论学习作为提高班子自身建设水平的重要途径紧抓不放"
    original = next(line for line in GOOD.read_text(encoding="utf-8").split("\n") if line.startswith("上年度查摆"))
    path = draft(tmp_path, "一句.txt", {"上年度查摆": original + sentence + "。"})
    report = check_file(path, CheckOptions())
    rates = codes(report, "copy-rate")
    assert report.ok
    assert [(f.severity, f.location) for f in rates] == [("warning", "一、上年度民主生活会整改落实情况")]
    assert TITLE["002"] in rates[0].message and sentence in rates[0].message
    assert report.metrics["copy_longest"] == {"source": TITLE["002"], "text": sentence}
    assert report.metrics["copy_rate"] < 0.1


def test_corpus_option_names_another_folder(tmp_path):
    folder = tmp_path / "范文"
    folder.mkdir()
    (folder / "mine.txt").write_text(GOOD.read_text(encoding="utf-8"), encoding="utf-8")
    seed = check_file(SEEDS["002"], CheckOptions(corpus=folder))
    assert seed.metrics["copy_corpus_sources"] == 1 and seed.metrics["copy_rate"] == 0.0
    itself = check_file(GOOD, CheckOptions(corpus=folder))
    assert itself.metrics["copy_excluded"] == ["mine.txt"] and itself.metrics["copy_rate"] == 0.0


def test_the_index_is_cached_per_corpus_version(tmp_path, cache_dir, monkeypatch):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for prefix in ("001", "002"):
        (folder / SEEDS[prefix].name).write_bytes(SEEDS[prefix].read_bytes())
    first = copyrate.load_corpus(folder)
    pickles = sorted(cache_dir.glob(f"copyindex-{first.key}.pkl"))
    assert len(pickles) == 1
    copyrate._MEMO.clear()

    def no_build(*args, **kwargs):
        raise AssertionError("rebuilt although the corpus did not change")

    monkeypatch.setattr(copyrate, "build_corpus", no_build)
    again = copyrate.load_corpus(folder)
    assert again.key == first.key and again.index.sources == first.index.sources
    monkeypatch.undo()
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(cache_dir))
    (folder / "new.txt").write_text(GOOD.read_text(encoding="utf-8"), encoding="utf-8")
    changed = copyrate.load_corpus(folder)
    assert changed.key != first.key and "new.txt" in changed.index.sources


def test_stored_sources_join_the_corpus_through_the_store_hook(tmp_path, monkeypatch):
    from pipeline.corpus import store

    folder = tmp_path / "vectorstore"
    folder.mkdir()
    monkeypatch.setenv("DUIZHAO_STORE_DIR", str(folder))
    good = GOOD.read_text(encoding="utf-8")
    monkeypatch.setattr(store, "source_texts", lambda opened: {"ingested.txt": good}, raising=False)
    monkeypatch.setattr(store.Store, "open", classmethod(lambda cls, *a, **k: None))
    assert copyrate._stored_texts() == {}  # no chroma database in the folder: the store is not opened
    (folder / "chroma.sqlite3").write_bytes(b"")
    assert copyrate._stored_texts() == {"ingested.txt": good}
    corpus = copyrate.load_corpus()
    assert corpus.index.sources[-1] == "ingested.txt" and len(corpus.index.sources) == 6
    report = check_file(GOOD, CheckOptions())
    assert report.metrics["copy_excluded"] == ["ingested.txt"] and report.metrics["copy_corpus_sources"] == 6


def test_an_unwritable_cache_dir_is_not_an_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(blocker / "sub"))
    copyrate._MEMO.clear()
    corpus = copyrate.load_corpus()
    assert len(corpus.index.sources) == 5


# --- 见人见事 and stock phrases ------------------------------------------------------------------------


def test_seed_002_problems_lack_concrete_cases_in_places():
    report = check_file(SEEDS["002"], CheckOptions(spec="2023-zhuti-minzhu"))
    vague = [f.location.split(" › ", 1)[1] for f in codes(report, "no-concrete-case")]
    # （二）and（三）say 比如 but carry no number, time, place, named task or role: still no case.
    assert vague == ["（一）在理论学习方面", "（二）在政治素质方面", "（三）在能力本领方面", "（四）在担当作为方面",
                     "（五）在工作作风方面 › 一是", "（六）在廉洁自律方面"]
    scores = {u["location"].split(" › ", 1)[1]: u for u in report.metrics["specificity"]["units"]}
    assert scores["（二）在政治素质方面"]["kinds"] == ["example"]  # 比如，落实党组中心组理论学习制度…
    assert scores["（二）在政治素质方面"]["score"] == 0.0
    assert scores["（五）在工作作风方面 › 二是"]["kinds"] == ["example", "named"]  # “转作风优环境强服务活动年”
    assert scores["（一）在理论学习方面"]["score"] == 0.0


def test_markers_of_a_concrete_case():
    found = concrete_markers("比如，今年3月走访青山村时发现12户群众诉求未办结，“我为群众办实事”专项行动推进慢")
    assert set(found) == {"example", "number", "time", "place", "named"}
    # Numbered names of the genre are not facts about the unit.
    assert concrete_markers("落实“三会一课”和“一岗双责”，关心班子成员八小时之外") == {}
    assert specificity("理论学习不深不透，学用结合不够紧密，存在以干代学现象")["score"] == 0.0


def test_the_seeds_share_stock_phrases_with_each_other():
    phrases = lexicon("stock_phrases")["phrases"]
    texts = {prefix: path.read_text(encoding="utf-8") for prefix, path in SEEDS.items()}
    shared = {p for p in phrases if sum(p in t for t in texts.values()) >= 2}
    # Measured: 33 of the listed phrases occur in two seeds or more.
    assert len(shared) >= 30
    assert {"认识不足", "还不到位"} <= {p for p in shared if all(p in texts[k] for k in ("001", "002", "003", "004"))}


def test_stock_phrase_items_are_reported():
    report = check_file(SEEDS["002"], CheckOptions(spec="2023-zhuti-minzhu"))
    stock = {f.location.split(" › ", 1)[1]: f.message for f in codes(report, "stock-phrase")}
    assert set(stock) == {"（一）在理论学习方面", "（五）在工作作风方面 › 一是", "（六）在廉洁自律方面"}
    assert "时紧时松" in stock["（一）在理论学习方面"] and "入脑入心" in stock["（一）在理论学习方面"]
    clauses, hits = stock_clauses("理论学习不深不透，学用结合不够紧密，2024年读书班安排了5天")
    assert clauses == 3 and hits == ["理论学习不深不透", "学用结合不够紧密"]


# --- problems ↔ measures -----------------------------------------------------------------------------


def test_unanswered_problem_and_unmatched_measure_are_reported_both_ways(tmp_path):
    path = draft(tmp_path, "错配.txt", {"（三）勇于担责": "（三）加强机关食堂管理。更换食堂灶具和餐桌，2025年3月前完成招标采购，每月公示伙食费收支。"})
    report = check_file(path, CheckOptions(spec="2024-niandu-minzhu"))
    unanswered = codes(report, "problem-unanswered")
    unmatched = codes(report, "measure-unmatched")
    assert len(unanswered) == 1 and unanswered[0].location.startswith("二、存在的问题 › （三）带头在遵规守纪")
    assert [f.location for f in unmatched] == ["四、整改措施 › （三）加强机关食堂管理。"]
    assert "加强机关食堂管理" in unmatched[0].message


def test_seed_001_measures_that_only_echo_the_aspect_do_not_answer_it():
    # Seed 001's measures are generic. 转变工作作风 echoes its aspect's name and says nothing about 工作作风's
    # problems (人民至上, 齐抓共管); nothing answers 政治素质 (三会一课, 后进党组织) or 能力本领 (土地承包纠纷).
    # 强化理论武装 answers 理论学习; 强化宗旨意识 (群众观念, 深入基层调研) answers 工作作风's 人民至上; 坚持正风肃纪
    # (一岗双责, 管人管思想) answers 廉洁自律; 强化责任担当 (农业综合产业园, 产业发展新模式) answers 担当作为's
    # 二是 (乡村产业, 产业链短, 农民增收) in its own words.
    report = check_file(SEEDS["001"], CheckOptions(spec="2023-zhuti-minzhu"))
    unanswered = [f.location.split(" › ")[1] for f in codes(report, "problem-unanswered")]
    assert unanswered == ["（二）在政治素质方面。", "（三）在能力本领方面。"]
    pairs = {p["problem"].split(" › ")[1]: p["measure"].split(" › ")[1] for p in report.metrics["answers"]["pairs"]}
    assert pairs["（一）在理论学习方面。"] == "（一）强化理论武装。"
    assert pairs["（四）在担当作为方面。"] == "（二）强化责任担当。"
    assert pairs["（五）在工作作风方面。"] == "（三）强化宗旨意识。"
    assert [f.location.split(" › ")[1] for f in codes(report, "measure-unmatched")] == ["（四）转变工作作风。"]


# --- causes -------------------------------------------------------------------------------------------


def test_causes_blaming_a_heavy_workload_are_objective(tmp_path):
    path = draft(tmp_path, "客观.txt", {
        "（二）党性修养有所放松": "（二）工作任务重、人手少。局里承担的农业项目多，工作任务重，人员少，学习时间难以保证。",
        "（三）宗旨意识有所淡化": "（三）宗旨意识有所淡化。不能以任务重为借口放松对群众诉求的跟踪，满足于按程序办事。",
    })
    report = check_file(path, CheckOptions(spec="2024-niandu-minzhu"))
    objective = codes(report, "cause-objective")
    assert [f.location for f in objective] == ["三、产生问题的原因 › （二）工作任务重、人手少。"]
    assert "任务重" in objective[0].message and "人手少" in objective[0].message


def test_causes_without_any_subjective_root(tmp_path):
    heads = ["（一）理想信念", "（二）党性修养", "（三）宗旨意识", "（四）责任担当"]
    causes = {h: f"{h[:3]}客观条件限制。经费紧张，时间紧，基础薄弱，第{h[1]}项工作推进受到影响。" for h in heads}
    path = draft(tmp_path, "全客观.txt", causes)
    report = check_file(path, CheckOptions(spec="2024-niandu-minzhu"))
    messages = [f.message for f in codes(report, "cause-objective")]
    assert len(messages) == 5
    assert messages[-1] == lexicon("findings")["cause-objective-section"]


def test_seed_002_problems_that_blame_outside_factors():
    report = check_file(SEEDS["002"], CheckOptions(spec="2023-zhuti-minzhu"))
    found = {f.location.split(" › ", 1)[1]: f.message for f in codes(report, "cause-objective")}
    assert set(found) == {"（三）在能力本领方面", "（四）在担当作为方面"}
    assert "受困于" in found["（三）在能力本领方面"] and "受制于" in found["（四）在担当作为方面"]


# --- redundancy ---------------------------------------------------------------------------------------


def test_a_sentence_repeated_in_two_sections(tmp_path):
    repeated = "班子成员把主要精力放在业务上，认为把农业生产抓上去就是讲政治"
    path = draft(tmp_path, "重复.txt", {"（四）带头履行全面从严治党政治责任方面": "（四）带头履行全面从严治党政治责任方面",
                                      "一是“一岗双责”压得不实": f"一是“一岗双责”压得不实。{repeated}，班子成员全年到分管股室讲廉政党课只有2次。"})
    report = check_file(path, CheckOptions(spec="2024-niandu-minzhu"))
    found = codes(report, "redundancy")
    assert len(found) == 1 and report.metrics["redundant_sentences"] == 1
    assert found[0].location.startswith("三、产生问题的原因 › （一）") and "（四）" in found[0].message


# --- length -------------------------------------------------------------------------------------------


def test_length_score_formula():
    assert length_score(1000, 1000) == 100
    assert length_score(1000, 2000) == pytest.approx(100 * (1 - 1 / 3))
    assert length_score(1000, 4000) == 0 and length_score(1000, 5000) == 0
    assert length_score(1000, 500) == 50 and length_score(1000, 333) == 0


def test_length_per_document_and_section():
    spec = load_spec("2024-niandu-minzhu")
    document = load_document(GOOD, spec).document
    result = check_content(document, spec, corpus=None, target_chars=6000)
    chars = result.metrics["chars"]
    assert chars == sum(len("".join(b.text.split())) for b in layout(document))
    assert result.metrics["length_score"] == round(length_score(6000, chars), 1)
    budgets = section_budgets([s.role for s in document.sections], 6000)
    sections = {s["section"]: s for s in result.metrics["sections_length"]}
    assert sections["二、存在的问题"]["target"] == budgets["problems"]
    assert sum(s["target"] for s in sections.values()) == pytest.approx(6000, abs=5)
    lengths = [f for f in result.findings if f.code == "length"]
    assert lengths[0].location == "全文" and lengths[0].path == []
    assert "偏短" in lengths[0].message
    near = check_content(document, spec, corpus=None, target_chars=chars)
    assert near.metrics["length_score"] == 100 and not [f for f in near.findings if f.path == [] and f.code == "length"]


# --- facts --------------------------------------------------------------------------------------------


def test_profile_facts_missing_from_the_draft():
    report = check_file(GOOD, CheckOptions(profile=PROFILE))
    assert report.spec == "2024-niandu-minzhu"  # from the profile
    missing = codes(report, "fact-missing")
    assert [f.message for f in missing] == [lexicon("findings")["fact-missing"].format(fact="乡村振兴驻村工作队轮换交接缺少书面记录")]
    assert report.metrics["facts"] == 4 and report.metrics["facts_missing"] == 1
    assert report.metrics["target_chars"] == 2000 and report.metrics["length_score"] is not None


# --- the CLI end to end -------------------------------------------------------------------------------


def test_cli_json_metrics_and_html(tmp_path):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["check", str(GOOD), "--json", "--profile", str(PROFILE), "--html", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    metrics = data["metrics"]
    assert 0 <= metrics["copy_rate"] < 0.05
    assert [s["section"] for s in metrics["copy_sections"]][1:] == ["一、上年度民主生活会整改落实情况", "二、存在的问题",
                                                                    "三、产生问题的原因", "四、整改措施"]
    assert 0 < metrics["length_score"] <= 100 and metrics["specificity"]["mean"] == metrics["specificity_mean"]
    # The material states more than this short profile holds: each fact the profile lacks is a warning naming it.
    counts = dict(metrics["counts"])
    assert counts.pop("fact-missing") == 1 and set(counts) == {"number-unsourced", "owner-invented", "deadline-invented"}
    assert all(f["severity"] == "warning" for f in data["findings"])
    assert any("218" in f["message"] for f in data["findings"] if f["code"] == "number-unsourced")
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "乡村振兴驻村工作队轮换交接缺少书面记录" in page


def test_cli_copying_draft_exits_1_and_colours_the_runs(tmp_path):
    path = draft(tmp_path, "抄.txt", {"（一）严守政治纪律和政治规矩": seed_paragraph("002", "（四）注重狠抓正风肃纪")})
    out = tmp_path / "抄.html"
    result = CliRunner().invoke(app, ["check", str(path), "--html", str(out)], env={"COLUMNS": "120"})
    assert result.exit_code == 1, result.output
    assert "与范文雷同" in result.stdout and "copy-rate" not in result.stdout
    page = out.read_text(encoding="utf-8")
    assert TITLE["002"] in page and "002_b94c01ca5fb1103c" not in page  # the legend names the source by title
    assert re.search(rf'<span class="src0" title="与 {TITLE["002"]} 重复">[^<]{{13,}}', page)


def test_cli_missing_corpus_folder_exits_2(tmp_path):
    result = CliRunner().invoke(app, ["check", str(GOOD), "--corpus", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "查重范文目录不存在" in result.stderr


def test_structure_only_skips_the_content_review():
    report = check_file(SEEDS["002"], CheckOptions(content=False))
    assert "copy_rate" not in report.metrics
    assert not {f.code for f in report.findings} & {"no-concrete-case", "copy-rate", "stock-phrase"}


def test_units_follow_numbered_points():
    document = load_document(SEEDS["001"], load_spec("2023-zhuti-minzhu")).document
    problems = units_of(document, "problems")
    assert len(problems) == 12 and problems[0].path == [1, 0, 0] and problems[0].text.startswith("一是理论学习不深不透")
    assert len(units_of(document, "problems", split_points=False)) == 6
