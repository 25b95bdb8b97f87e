"""A new year's notice to a checked draft: specs new --from, specs show, profile init --spec, drafting with the
new spec from another folder; the 2025年度 examples; the older examples' skeletons unchanged."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.draft.drafter import OfflineDrafter
from pipeline.material.load import load_document
from pipeline.material.profile import load_profile, resolve_spec
from pipeline.review.structure import check_structure
from pipeline.run.runner import DraftOptions, draft_all

ROOT = Path(__file__).resolve().parents[2]
NOTICES = ROOT / "tests" / "fixtures" / "notices"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("DUIZHAO_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def run(*args, home: Path | None = None):
    env = {"COLUMNS": "120", **({"DUIZHAO_HOME": str(home)} if home else {})}
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def draft(paths, outdir, retriever):
    return asyncio.run(draft_all(paths, DraftOptions(outdir=outdir, docx=False), OfflineDrafter, lambda: retriever))


def test_three_steps_from_a_notice_to_a_checked_draft(home, tmp_path, monkeypatch, retriever):
    # 1. specs new --from: saved in the user spec folder, printed for the user to check.
    made = run("specs", "new", "--from", NOTICES / "notice-2025-minzhu.txt", "--id", "2026-shi-minzhu", home=home)
    assert made.exit_code == 0, made.output
    printed = yaml.safe_load(made.stdout)
    assert printed["status"] == "unconfirmed" and "notice-2025-minzhu.txt" in printed["source"]
    assert len(printed["aspects"]) == 5
    assert "profile init --spec 2026-shi-minzhu" in made.stderr
    # 2. Checked from any folder: specs show prints the skeleton; the list shows it as the user's own.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    shown = run("specs", "show", "2026-shi-minzhu", home=home)
    assert shown.exit_code == 0 and "（二）对照案例查摆自身差距" in shown.stdout
    assert "（五）带头坚决扛起管党治党责任" in shown.stdout
    listed = run("specs", home=home)
    assert "2026-shi-minzhu" in listed.stdout and "自建" in listed.stdout
    # 3. profile init --spec, then a draft with `spec: 2026-shi-minzhu` that passes its check.
    template = run("profile", "init", "--spec", "2026-shi-minzhu", home=home)
    assert template.exit_code == 0 and "case_study:" in template.stdout and "gaps: []" in template.stdout
    profile = yaml.safe_load(template.stdout)
    # The unit replaces the template's 【…】 text with its own (what is left in is a check error).
    profile["unit"]["name"] = "测试县某局领导班子"
    profile["preparation"] = {"talks": 30, "opinions": 21, "study": "集中学习党的二十届四中全会精神3次"}
    for number, aspect in enumerate(profile["aspects"], 1):
        profile["aspects"][aspect] = [{"problem": f"第{number}项要求落实有差距",
                                       "facts": [f"督查发现{number + 2}项任务没有按期完成"]}]
    profile["causes"] = {"党性修养": "对自身党性锻炼抓得不够紧，自我要求有所放松"}
    profile["case_study"].update(title="某市原局长严重违纪违法案", facts=["收受管理服务对象财物"],
                                 causes=["理想信念动摇"], gaps=["对廉政风险点排查不细"])
    path = elsewhere / "unit.yaml"
    path.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    [result] = draft([path], elsewhere / "out", retriever)
    assert result.error is None and result.ok and result.spec == "2026-shi-minzhu", result
    checked = run("check", "--structure-only", elsewhere / "out" / "测试县某局领导班子.md", "--profile", path, home=home)
    assert checked.exit_code == 0, checked.output


def test_no_aspect_list_exits_2_and_writes_nothing(home):
    result = run("specs", "new", "--from", NOTICES / "notice-no-aspects.txt", "--id", "flood", home=home)
    assert result.exit_code == 2
    assert "没有在 notice-no-aspects.txt 中找到会议规定的方面清单" in result.stderr
    assert result.stdout == "" and not (home / "specs" / "flood.yaml").exists()


def test_missing_notice_file_exits_2(home, tmp_path):
    result = run("specs", "new", "--from", tmp_path / "无.txt", home=home)
    assert result.exit_code == 2 and result.stdout == ""


@pytest.mark.parametrize("example, aspects", [("county-2025-niandu.yaml", 5), ("branch-2025-zuzhi.yaml", 6)])
def test_2025_examples_draft_and_pass_check_with_the_case_study_in_place(example, aspects, tmp_path, retriever):
    path = ROOT / "examples" / example
    [result] = draft([path], tmp_path, retriever)
    assert result.error is None and result.ok, result
    profile = load_profile(path)
    spec = resolve_spec(profile)
    md = tmp_path / f"{profile.unit.name}.md"
    checked = run("check", md, "--profile", path)
    assert checked.exit_code == 0, checked.output
    document = check_structure(load_document(md, spec), spec)
    sections = document.structure["sections"]
    problems = next(s for s in sections if s["role"] == "problems")
    assert [item["aspect"] for item in problems["items"]] == spec.aspect_names() and len(spec.aspects) == aspects
    # The case study sits where the spec puts it (after the problems, before the causes), with its two sub-parts.
    roles = [s["role"] for s in sections]
    assert roles.index("problems") + 1 == roles.index("case_study") == roles.index("causes") - 1
    case = sections[roles.index("case_study")]
    assert [item["heading"] for item in case["items"]] == ["案例原因剖析", "对照案例查摆自身差距"]
    assert roles == [p.role for p in spec.skeleton if p.role in roles]


def _skeleton(sections: list) -> list:
    """What a spec decides: each part's role and numbered heading, and the problems' items (the aspects).
    The wording of cause and measure items is the composer's, not the spec's."""
    return [[s[0], s[1], s[2] if s[0] == "problems" else []] for s in sections]


def test_older_examples_keep_their_skeleton(tmp_path, retriever):
    before = json.loads((ROOT / "tests" / "fixtures" / "skeleton_before_specs.json").read_text(encoding="utf-8"))
    examples = [p for p in sorted((ROOT / "examples").glob("*.yaml")) if load_profile(p).unit.name in before]
    assert len(examples) == len(before) == 9
    draft(examples, tmp_path, retriever)
    for unit, skeleton in before.items():
        document = json.loads((tmp_path / f"{unit}.json").read_text(encoding="utf-8"))["document"]
        now = [[s["role"], s["marker"] + s["heading"], [i["marker"] + i["heading"] for i in s["items"]]]
               for s in document["sections"]]
        assert _skeleton(now) == _skeleton(skeleton), unit


def test_stale_spec_is_noted_when_drafting(tmp_path, retriever):
    data = yaml.safe_load((ROOT / "examples" / "county-2025-niandu.yaml").read_text(encoding="utf-8"))
    data["meeting"]["year"] = 2026
    path = tmp_path / "u.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    [result] = draft([path], tmp_path / "out", retriever)
    assert result.ok and any("specs new --from" in note and "2026" in note for note in result.notes)
    text = (tmp_path / "out" / f"{data['unit']['name']}.md").read_text(encoding="utf-8")
    assert "2025年度民主生活会整改落实情况" in text  # {prev_year} follows the meeting year


def test_specs_new_with_a_model_configured_keeps_a_verbatim_proposal(home, stub_server):
    aspects = ["带头严守政治纪律和政治规矩，维护党的团结统一", "带头增强党性、严守纪律、砥砺作风",
               "带头在遵规守纪、清正廉洁前提下勇于担责、敢于创新", "带头履行全面从严治党政治责任"]
    stub_server.queue(json.dumps(aspects, ensure_ascii=False))
    result = CliRunner().invoke(app, ["specs", "new", "--from", str(NOTICES / "notice-2024-minzhu.txt"), "--id", "m24"],
                                env={"DUIZHAO_HOME": str(home), "OPENAI_BASE_URL": stub_server.url,
                                     "OPENAI_API_KEY": "sk-test", "DUIZHAO_MAX_RETRIES": "0"})
    assert result.exit_code == 0, result.output
    spec = yaml.safe_load(result.stdout)
    assert [a["name"] for a in spec["aspects"]] == aspects and "大模型" in spec["source"]
    assert len(stub_server.chat_requests) == 1


@pytest.mark.parametrize("args", [["specs", "show", "2025-niandu-minzhu"], ["--help"]])
def test_output_read_by_head_ends_quietly(args):
    """`duizhao … | head -1`: the reader closes the pipe; no disk error, nothing on stderr, exit 141 or 0."""
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-m", "pipeline.cli.main", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, encoding="utf-8")
    assert process.stdout.readline().strip()
    process.stdout.close()  # what head does after its first line
    error = process.stderr.read()
    assert process.wait(timeout=60) in (0, 141)
    assert error == "", error
