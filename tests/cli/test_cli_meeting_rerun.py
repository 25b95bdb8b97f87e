"""`duizhao draft MEETING.yaml -o out` run again: done is said done, a missing file is written again, a file the
user edited is kept, a changed meeting file is refused as before."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
BRANCH = ROOT / "examples" / "meetings" / "branch-zuzhi.yaml"


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "160", "OPENAI_BASE_URL": "",
                                                                 "OPENAI_API_KEY": ""})


pytestmark = pytest.mark.slow  # each drafts a whole meeting (offline)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """One meeting drafted once; each test reruns it in a copy of its own."""
    base = tmp_path_factory.mktemp("first")
    shutil.copy(BRANCH, base / "meeting.yaml")
    first = invoke("draft", base / "meeting.yaml", "-o", base / "out", "--offline")
    assert first.exit_code in (0, 1), first.output
    return base, first.exit_code


@pytest.fixture
def drafted(first_run, tmp_path):
    base, code = first_run
    shutil.copytree(base, tmp_path / "run")
    meeting, out = tmp_path / "run" / "meeting.yaml", tmp_path / "run" / "out"
    folder = next(p for p in out.iterdir() if p.is_dir() and p.name != ".duizhao")
    files = {p: p.read_bytes() for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")}
    return meeting, out, code, files


def test_rerun_of_a_finished_meeting_says_done_and_rewrites_nothing(drafted):
    meeting, out, code, files = drafted
    again = invoke("draft", meeting, "-o", out, "--offline")
    assert again.exit_code == code and "会议材料此前已起草完成" in again.stdout, again.output
    assert {p: p.read_bytes() for p in files} == files


def test_rerun_writes_again_only_the_missing_file(drafted):
    meeting, out, code, files = drafted
    lost = next(p for p in files if p.suffix == ".docx")
    lost.unlink()
    again = invoke("draft", meeting, "-o", out, "--offline")
    assert again.exit_code == code and "只补写缺少的 1 份文件" in again.stdout and lost.name in again.stdout
    assert lost.exists() and all(p.exists() for p in files)
    third = invoke("draft", meeting, "-o", out, "--offline")
    assert third.exit_code == code and "会议材料此前已起草完成" in third.stdout


def test_rerun_keeps_the_file_the_user_edited(drafted):
    meeting, out, code, files = drafted
    edited = next(p for p in files if p.suffix == ".md")
    edited.write_text(edited.read_text(encoding="utf-8") + "\n本人补充。\n", encoding="utf-8")
    mine = edited.read_bytes()
    again = invoke("draft", meeting, "-o", out, "--offline")
    assert again.exit_code == code and "保留未动" in again.stdout and edited.name in again.stdout
    assert edited.read_bytes() == mine


def test_a_changed_meeting_file_is_refused_as_before(drafted):
    meeting, out, code, files = drafted
    meeting.write_text(meeting.read_text(encoding="utf-8").replace("支部副书记", "支部委员", 1), encoding="utf-8")
    again = invoke("draft", meeting, "-o", out, "--offline")
    assert again.exit_code == 2 and "会议材料已存在" in again.output
    assert {p: p.read_bytes() for p in files} == files
