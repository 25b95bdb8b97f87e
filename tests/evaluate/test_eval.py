"""`duizhao eval`: side-by-side comparison, pairwise judging, blind review packs and scoring, the batch
quality run — on real drafts made by the pipeline (offline, and through the HTTP stub with a model drafter)
and on hand-written score sheets with known answers."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from stub_server import StubServer
from typer.testing import CliRunner

from pipeline.evaluate.blind import make_pack, read_key
from pipeline.cli.main import app
from pipeline.evaluate.compare import MeasureOptions, compare_files
from pipeline.evaluate.compare_html import render_compare_html
from pipeline.material.document import count_chars, render
from pipeline.draft.drafter import ModelDrafter, OfflineDrafter
from pipeline.core.errors import InputError, OutputError
from pipeline.evaluate.judge import Judge, JudgeContext, judge_drafts, parse_verdict
from pipeline.models.chat import ChatSettings, RetryPolicy, build_chat_model
from pipeline.material.load import load_document
from pipeline.material.profile import load_profile, resolve_spec
from pipeline.evaluate.quality import QualityRun, quality_all, quality_files, write_quality
from pipeline.review.check import CheckOptions, check_file
from pipeline.run.runner import DraftOptions, draft_all
from pipeline.evaluate.agreement import cohen_kappa
from pipeline.evaluate.scoring import score_pack


ROOT = Path(__file__).resolve().parents[2]
VILLAGE = ROOT / "examples" / "village-2023-zhuti.yaml"
UNIT = "城关镇东山村党支部"
HEADER = "稿件,重大问题数,一般问题数,轻微问题数,可否作为送审稿（是/否）,预计修改用时（分钟）,意见"


@pytest.fixture(autouse=True)
def isolated(tmp_path_factory, monkeypatch):
    # The copy-rate index cache in a temp folder; no user store, no model endpoint from the environment.
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "duizhao-cache"))
    for name in ("DUIZHAO_STORE_DIR", "DUIZHAO_CHROMA_URL", "OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def model_answer(request: dict) -> str:
    """A model that writes the facts it was given into a short paragraph, with a chatty lead-in."""
    user = request["messages"][-1]["content"]
    facts = re.findall(r"事实：(.+)", user) or re.findall(r"^- (.+)$", user, re.M)[:2]
    body = "；".join(f.strip("（）") for f in facts) or "有关情况"
    # (No new fault in the last sentence: in 上年度整改 it would be a problem the profile never listed.)
    return f"好的，以下是正文：\n\n班子在这方面还存在差距，比如，{body}。\n\n这些情况在班子成员中都有一定代表性。"


def model_factory(url: str):
    chat = build_chat_model(ChatSettings(base_url=url, api_key="sk-test-123456", model="stub-model", timeout=5))
    return lambda: ModelDrafter(chat, "stub-model", policy=RetryPolicy(max_retries=1, base_delay=0.01))


def draft(profiles, outdir, factory, retriever):
    return asyncio.run(draft_all(profiles, DraftOptions(outdir=outdir, concurrency=4), factory, lambda: retriever))


@pytest.fixture(scope="module")
def drafts(tmp_path_factory, retriever) -> dict[str, Path]:
    """The village example drafted offline and by the stub model (json, md and docx of each)."""
    root = tmp_path_factory.mktemp("drafts")
    [offline] = draft([VILLAGE], root / "offline", OfflineDrafter, retriever)
    with StubServer(responder=model_answer) as server:
        [model] = draft([VILLAGE], root / "model", model_factory(server.url), retriever)
    assert offline.ok and model.ok, (offline, model)
    return {f"{system}.{ext}": root / system / f"{UNIT}.{ext}" for system in ("offline", "model") for ext in ("json", "md", "docx")}


def spec_aspects() -> list[str]:
    return resolve_spec(load_profile(VILLAGE)).aspect_names()


# ---- compare ------------------------------------------------------------------------------------------

def test_compare_aligns_real_drafts_by_aspect_and_reports_the_checks_numbers(drafts):
    comparison = compare_files([str(drafts["offline.json"]), str(drafts["model.docx"])], MeasureOptions(profile=VILLAGE))
    assert [d.name for d in comparison.drafts] == ["offline", UNIT]  # json: its system; docx: its file name
    assert comparison.spec == "2023-zhuti-minzhu"
    problems = [r for r in comparison.rows if r.role == "problems" and not r.key.endswith(":intro")]
    assert [r.key.split(":")[1] for r in problems] == spec_aspects()
    assert all(cell.present for row in problems for cell in row.cells)
    roles = list(dict.fromkeys(r.role for r in comparison.rows))
    assert roles.index("preamble") < roles.index("problems") < roles.index("causes") < roles.index("measures")
    facts = load_profile(VILLAGE).all_facts()
    for metrics in comparison.drafts:
        assert metrics.structure_ok and metrics.facts_covered == metrics.facts_total == len(set(facts))
        # The same numbers `duizhao check --profile` reports for the draft alone.
        alone = check_file(metrics.path, CheckOptions(profile=VILLAGE)).metrics
        assert metrics.copy_rate == alone["copy_rate"] and metrics.length_score == alone["length_score"]
        assert metrics.specificity == alone["specificity_mean"] and metrics.chars == alone["chars"]
    # Each aspect row shows the draft's own text for that aspect.
    fact = load_profile(VILLAGE).aspects["担当作为"][0].facts[0]
    row = next(r for r in problems if r.key == "problems:担当作为")
    assert all(fact in cell.text for cell in row.cells)


def test_compare_marks_the_missing_aspect_and_the_better_values(drafts, tmp_path):
    document = load_document(drafts["model.json"]).document
    problems = document.section("problems")
    problems.items = [i for i in problems.items if "担当作为" not in i.heading]
    cut = tmp_path / "cut.json"
    cut.write_text(document.model_dump_json(), encoding="utf-8")
    comparison = compare_files([f"完整稿={drafts['model.json']}", f"缺一方面={cut}"], MeasureOptions(profile=VILLAGE))
    row = next(r for r in comparison.rows if r.key == "problems:担当作为")
    assert [c.present for c in row.cells] == [True, False]
    assert [d.structure_ok for d in comparison.drafts] == [True, False]
    assert comparison.best["structure_ok"] == [0]
    page = render_compare_html(comparison)
    assert "完整稿" in page and "缺一方面" in page and "缺少此方面" in page
    for aspect in spec_aspects():
        assert f"存在的主要问题 › {aspect}" in page or f"存在的问题 › {aspect}" in page
    # Best values are marked: the complete draft's pass is in a highlighted cell.
    assert re.search(r"<th>结构检查</th><td class=\"best\">通过</td><td>未通过</td>", page)
    assert "<script" not in page and "http://" not in page and "https://" not in page and "<link" not in page


def test_cli_compare_writes_html_and_json(drafts, tmp_path):
    html_path = tmp_path / "report.html"
    args = ["eval", "compare", str(drafts["offline.md"]), f"模型稿={drafts['model.json']}", "--profile", str(VILLAGE),
            "-o", str(html_path)]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "指标" in result.stdout and "模型稿" in result.stdout and "查重率" in result.stdout
    page = html_path.read_text(encoding="utf-8")
    assert UNIT in page and "模型稿" in page and "理论学习" in page
    result = CliRunner().invoke(app, args[:-2] + ["--json"])
    data = json.loads(result.stdout)
    assert [d["name"] for d in data["drafts"]] == [UNIT, "模型稿"]
    bad = CliRunner().invoke(app, ["eval", "compare", str(drafts["offline.md"]), str(tmp_path / "none.docx")])
    assert bad.exit_code == 2 and "none.docx" in bad.output


# ---- judge --------------------------------------------------------------------------------------------

def test_parse_verdict_reads_what_models_send():
    assert parse_verdict('{"winner": "A", "reason": "更具体"}') == ("A", "更具体")
    assert parse_verdict('好的。\n```json\n{"winner":"B","reason":"事实全"}\n```') == ("B", "事实全")
    assert parse_verdict("{“winner”：“tie”，“reason”：“相当”}")[0] == "tie"
    assert parse_verdict('{"winner": "稿件B", "reason": ""}')[0] == "B"
    assert parse_verdict('{"winner": "平局"}')[0] == "tie"
    assert parse_verdict("经比较，胜者：稿件A。")[0] == "A"
    assert parse_verdict("两篇都不错。")[0] is None
    assert parse_verdict('{"winner": "C"}')[0] is None


def fenced(prompt: str, name: str) -> str:
    return prompt.split(f"<<<{name}>>>")[1].split(f"<<<{name}结束>>>")[0]


def judge_on(url: str) -> Judge:
    chat = build_chat_model(ChatSettings(base_url=url, api_key="sk-judge-123456", model="judge-model", timeout=5))
    return Judge(chat, "judge-model", policy=RetryPolicy(max_retries=1, base_delay=0.01))


TEXTS = ["短稿。" * 10, "中等长度的稿件。" * 20, "最长的一篇稿件正文内容。" * 40]


def test_a_judge_that_always_prefers_position_a_yields_only_ties():
    with StubServer(responder=lambda request: '{"winner": "A", "reason": "前一篇更好"}') as server:
        result = judge_drafts(judge_on(server.url), ["甲", "乙", "丙"], TEXTS, JudgeContext(unit="某支部"))
        prompts = [r.user_text for r in server.chat_requests]
    assert len(prompts) == 6  # 3 pairs × both orders
    shown = {(fenced(p, "稿件A"), fenced(p, "稿件B")) for p in prompts}
    assert all((b, a) in shown for a, b in shown)
    assert all(p.winner is None for p in result.pairs)
    assert [(s.wins, s.ties, s.losses, s.win_rate) for s in result.scores] == [(0, 2, 0, 0.5)] * 3
    assert result.first_share == 1.0 and result.consistency == 0.0
    assert [s.chars for s in result.scores] == [len(t) for t in TEXTS]


def test_a_consistent_judge_gives_wins_and_unreadable_answers_are_ties():
    def longer(request: dict) -> str:
        prompt = request["messages"][-1]["content"]
        return json.dumps({"winner": "A" if len(fenced(prompt, "稿件A")) > len(fenced(prompt, "稿件B")) else "B"})

    with StubServer(responder=longer) as server:
        result = judge_drafts(judge_on(server.url), ["甲", "乙", "丙"], TEXTS, JudgeContext())
    assert [(s.wins, s.ties, s.losses) for s in result.scores] == [(0, 0, 2), (1, 0, 1), (2, 0, 0)]
    assert [s.win_rate for s in result.scores] == [0.0, 0.5, 1.0]
    assert result.consistency == 1.0 and result.unparsed == 0
    with StubServer(responder=lambda request: "我认为两篇各有千秋。") as server:
        result = judge_drafts(judge_on(server.url), ["甲", "乙"], TEXTS[:2], JudgeContext())
    assert result.unparsed == 2 and [s.win_rate for s in result.scores] == [0.5, 0.5]


def test_compare_with_judge_hides_the_no_model_notice(drafts):
    def prefer_facts(request: dict) -> str:
        prompt = request["messages"][-1]["content"]
        a, b = fenced(prompt, "稿件A"), fenced(prompt, "稿件B")
        return json.dumps({"winner": "A" if "比如" in a and "比如" not in b else "B" if "比如" in b else "tie",
                           "reason": "见人见事"}, ensure_ascii=False)

    with StubServer(responder=prefer_facts) as server:
        comparison = compare_files([str(drafts["offline.json"]), str(drafts["model.json"])],
                                   MeasureOptions(profile=VILLAGE), judge=judge_on(server.url))
        prompts = [r.user_text for r in server.chat_requests]
    assert len(prompts) == 2 and not any("未使用大模型" in p for p in prompts)
    facts = load_profile(VILLAGE).all_facts()
    assert all(fact in prompts[0] for fact in facts)  # the rubric names the unit's facts
    assert comparison.judge is not None and len(comparison.judge.scores) == 2
    assert "成对评判" in render_compare_html(comparison)


# ---- blind pack ---------------------------------------------------------------------------------------

def docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "".join(archive.read(name).decode("utf-8", "ignore") for name in archive.namelist() if name.endswith(".xml"))


def test_pack_hides_systems_and_keeps_the_key_outside(drafts, tmp_path):
    folder = tmp_path / "pack"
    key, key_path = make_pack([str(drafts["offline.json"]), str(drafts["model.md"]), str(drafts["model.docx"])], folder, seed=7)
    assert key_path == tmp_path / "pack-key.json" and key_path.is_file()
    assert not any(p.name.endswith("key.json") for p in folder.iterdir())
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["稿件A.docx", "稿件B.docx", "稿件C.docx", "评分表.csv", "评审说明.txt"]
    for path in folder.glob("*.docx"):
        text = docx_text(path)
        assert "offline" not in text and "stub-model" not in text and "未使用大模型" not in text
        entry = key.entry(path.stem)
        source = Path(entry.source)
        assert source in {drafts["offline.json"], drafts["model.md"], drafts["model.docx"]}
        packed = render(load_document(path).document)
        assert packed == render(load_document(source).document.model_copy(update={"notice": ""}))
        assert entry.chars == count_chars(packed)
    assert read_key(folder) == key
    # Default labels: the record's system, else the file name, told apart by folder when they collide.
    assert sorted(e.label for e in key.entries) == sorted(["offline", f"{UNIT}（model/{UNIT}.md）", f"{UNIT}（model/{UNIT}.docx）"])
    assert next(e for e in key.entries if e.label == "offline").notice_removed
    sheet = (folder / "评分表.csv").read_bytes()
    assert sheet.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(sheet.decode("utf-8-sig"))))
    assert rows[0] == HEADER.split(",") and [r[0] for r in rows[1:]] == ["稿件A", "稿件B", "稿件C"]
    # Same seed, same order; the order does depend on the seed.
    orders = set()
    for seed in range(6):
        again, _ = make_pack([str(drafts["offline.json"]), str(drafts["model.md"]), str(drafts["model.docx"])],
                             tmp_path / f"p{seed}", seed=seed)
        orders.add(tuple(e.source for e in again.entries))
    assert len(orders) > 1
    with pytest.raises(OutputError):
        make_pack([str(drafts["offline.json"]), str(drafts["model.md"])], folder, seed=7)


def test_keep_format_copies_files_but_never_a_draft_record(drafts, tmp_path):
    key, _ = make_pack([str(drafts["offline.json"]), str(drafts["model.md"])], tmp_path / "pack", keep_format=True, seed=3)
    files = {Path(e.source).suffix: tmp_path / "pack" / e.file for e in key.entries}
    assert files[".md"].suffix == ".md" and files[".md"].read_bytes() == drafts["model.md"].read_bytes()
    assert files[".json"].suffix == ".docx"  # the record names its system and passages


def test_key_inside_the_pack_is_refused(drafts, tmp_path):
    with pytest.raises(InputError, match="密钥"):
        make_pack([str(drafts["offline.json"]), str(drafts["model.md"])], tmp_path / "pack", key=tmp_path / "pack" / "key.json")
    result = CliRunner().invoke(app, ["eval", "pack", str(drafts["offline.md"]), str(drafts["model.md"]), "-o",
                                      str(tmp_path / "p"), "--key", str(tmp_path / "p" / "sub" / "k.json")])
    assert result.exit_code == 2 and "密钥" in result.output
    assert not (tmp_path / "p").exists()


# ---- scoring ------------------------------------------------------------------------------------------

@pytest.fixture
def pack4(drafts, tmp_path):
    """Two offline and two model drafts of the same unit, packed; returns (folder, neutral name by label)."""
    folder = tmp_path / "pack"
    key, _ = make_pack([f"offline={drafts['offline.json']}", f"offline={drafts['offline.md']}",
                        f"model={drafts['model.json']}", f"model={drafts['model.md']}"], folder, seed=1)
    by_label: dict[str, list[str]] = {}
    for entry in key.entries:
        by_label.setdefault(entry.label, []).append(entry.name)
    return folder, by_label


def write_sheet(path: Path, rows: dict[str, str], header: str = HEADER, encoding: str = "utf-8-sig") -> Path:
    path.write_text("\n".join([header, *(f"{name},{values}" for name, values in rows.items())]) + "\n", encoding=encoding)
    return path


def test_cohen_kappa_textbook_example():
    # 50 items: both yes 20, first yes/second no 5, first no/second yes 10, both no 15 → κ = 0.4.
    first = ["y"] * 25 + ["n"] * 25
    second = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(first, second) == pytest.approx(0.4)
    assert cohen_kappa(["y", "y"], ["y", "y"]) is None  # chance agreement 1: undefined


def test_two_raters_unblinded_aggregated_with_known_agreement(pack4, tmp_path):
    folder, names = pack4
    (o1, o2), (m1, m2) = names["offline"], names["model"]
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    # 可否送审: rater 1 是 是 否 否, rater 2 是 否 否 否 (offline, offline, model, model) → κ = 0.5, agreement 3/4.
    write_sheet(sheets / "评审人1.csv", {o1: "0,1,2,是,10,好", o2: "0,2,0,是,20,", m1: "1,3,1,否,60,", m2: "2,2,2,否,90,"})
    write_sheet(sheets / "评审人2.csv", {o1: "0,1,1,是,15,", o2: "0,3,0,否,30,", m1: "1,4,0,否,60,", m2: "1,3,3,否,80,"},
                encoding="gb18030")  # as Excel saves a CSV on a Chinese Windows
    report = score_pack(folder, [sheets])
    assert report.raters == ["评审人1", "评审人2"] and len(report.ratings) == 8
    [pair] = report.agreement.kappa
    assert pair.n == 4 and pair.agreement == 0.75 and pair.kappa == pytest.approx(0.5)
    # Nominal alpha by hand: coincidences o(是,否) = o(否,是) = 1, n(是) = 3, n(否) = 5, n = 8 → 1 − 7·2/(2·3·5).
    assert report.agreement.alpha["approvable"] == pytest.approx(1 - 14 / 30, abs=1e-4)
    systems = {s.label: s for s in report.systems}
    offline, model = systems["offline"], systems["model"]
    assert offline.ratings == model.ratings == 4
    assert offline.major == 0 and model.major == pytest.approx(1.25)
    assert offline.approvable == 0.75 and model.approvable == 0.0
    assert offline.minutes == pytest.approx(18.75)
    # Weighted problems 5·重大 + 2·一般 + 轻微: every offline draft has fewer than every model draft.
    assert offline.win_rate_problems == 1.0 and model.win_rate_problems == 0.0 and offline.comparisons == 8
    # 可否送审: rater 1 wins 4 of 4; rater 2: o1 wins twice, o2 ties twice → (6 + 0.5·2) / 8.
    assert offline.win_rate_approval == pytest.approx(7 / 8)
    result = CliRunner().invoke(app, ["eval", "score", str(folder), str(sheets / "评审人1.csv"), str(sheets / "评审人2.csv")],
                                env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "科恩 κ 系数" in result.stdout and "Cohen" not in result.stdout
    assert "offline" in result.stdout and "0.50" in result.stdout


def test_three_raters_alpha_and_pairwise_kappa(pack4, tmp_path):
    folder, names = pack4
    (o1, o2), (m1, m2) = names["offline"], names["model"]
    votes = {"甲": ["是", "否", "是", "否"], "乙": ["是", "否", "是", "否"], "丙": ["是", "否", "否", "否"]}
    sheets = []
    for rater, answers in votes.items():
        rows = {name: f"0,{n},1,{answer},,"
                for n, (name, answer) in enumerate(zip([o1, m1, o2, m2], answers))}
        sheets.append(write_sheet(tmp_path / f"{rater}.csv", rows))
    report = score_pack(folder, sheets)
    assert len(report.agreement.kappa) == 3
    # Units: (是,是,是) (否,否,否) (是,是,否) (否,否,否): o(是,否) = o(否,是) = 1, n(是) = 5, n(否) = 7, n = 12.
    assert report.agreement.alpha["approvable"] == pytest.approx(1 - 11 * 2 / (2 * 5 * 7), abs=1e-4)
    # Problem counts identical across raters and different across drafts: perfect interval agreement.
    assert report.agreement.alpha["weighted"] == pytest.approx(1.0)
    assert report.agreement.alpha["minutes"] is None  # nobody gave minutes
    kappas = {tuple(p.raters): p.kappa for p in report.agreement.kappa}
    assert kappas[("甲", "乙")] == pytest.approx(1.0) and kappas[("甲", "丙")] == pytest.approx(0.5)


def test_bad_sheets_name_file_row_and_column(pack4, tmp_path):
    folder, names = pack4
    first = names["offline"][0]
    cases = {
        "missing.csv": ("稿件,重大问题数,轻微问题数,可否作为送审稿\n" + f"{first},0,1,是\n", r"missing\.csv.*一般问题数"),
        "unknown.csv": (HEADER + "\n稿件Z,0,1,1,是,,\n", r"unknown\.csv 第2行.*稿件Z"),
        "count.csv": (HEADER + f"\n{first},0,1,1,是,,\n{names['model'][0]},两个,1,1,否,,\n", r"count\.csv 第3行 列“重大问题数”.*两个"),
        "answer.csv": (HEADER + f"\n{first},0,1,1,也许,,\n", r"answer\.csv 第2行 列“可否作为送审稿（是/否）”"),
        "twice.csv": (HEADER + f"\n{first},0,1,1,是,,\n{first},0,1,1,是,,\n", r"twice\.csv 第3行.*重复"),
        "negative.csv": (HEADER + f"\n{first},-1,1,1,是,,\n", r"negative\.csv 第2行 列“重大问题数”"),
    }
    for name, (text, pattern) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=pattern):
            score_pack(folder, [path])
    result = CliRunner().invoke(app, ["eval", "score", str(folder), str(tmp_path / "count.csv")])
    assert result.exit_code == 2 and "count.csv 第3行" in result.output and "Traceback" not in result.output


def test_blank_template_is_skipped_and_tab_separated_utf16_is_read(pack4, tmp_path):
    folder, names = pack4
    tabbed = tmp_path / "评审人1.csv"
    rows = "\n".join(f"{n}\t0\t1\t2\t是\t5\t" for n in sorted(sum(names.values(), [])))
    tabbed.write_text(HEADER.replace(",", "\t") + "\n" + rows + "\n", encoding="utf-16")
    report = score_pack(folder, [folder / "评分表.csv", tabbed], key=folder.parent / "pack-key.json")
    assert report.raters == ["评审人1"] and len(report.ratings) == 4
    assert any("评分表.csv" in note for note in report.notes) and any("一位评审人" in note for note in report.notes)


# ---- batch quality run --------------------------------------------------------------------------------

def test_quality_run_offline_and_model_via_stub(tmp_path, retriever):
    profiles = [VILLAGE, ROOT / "examples" / "agency-2024-dangji.yaml"]
    with StubServer(responder=model_answer) as server:
        rows = asyncio.run(quality_all(profiles, {"offline": OfflineDrafter, "model": model_factory(server.url)},
                                       lambda: retriever, tmp_path))
    assert [(r.profile, r.system) for r in rows] == [
        (p.name, s) for s in ("offline", "model:stub-model") for p in profiles]
    for row in rows:
        assert row.error is None and row.structure_ok, row
        assert row.facts_covered == row.facts_total > 0
        assert row.chars > 500 and row.seconds > 0 and row.length_score is not None and row.copy_rate is not None
    assert all(r.tokens > 0 for r in rows if r.system.startswith("model"))
    written = write_quality(QualityRun(rows=rows), tmp_path)
    data = written[0].read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.decode("utf-8-sig").count("\n") == 5
    assert json.loads(written[1].read_text(encoding="utf-8"))["rows"][0]["unit"] == UNIT


def test_quality_run_skips_the_model_without_an_endpoint(tmp_path):
    from pipeline.draft.factory import Settings

    run = quality_files([VILLAGE], ["model"], tmp_path, Settings())
    assert run.rows == [] and "跳过 model" in run.notes[0]
    result = CliRunner().invoke(app, ["eval", "run", str(VILLAGE), "--systems", "offline,gpt"])
    assert result.exit_code == 2 and "gpt" in result.output
