"""The `duizhao check` and `duizhao specs` commands: exit codes, JSON output, and one clear line for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.material.specs import MeetingSpec, builtin_specs, load_spec
from tests.material.numbered_docx import KINDS, TITLE, auto_numbered

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
DUIZHAO = Path(sys.executable).parent / "duizhao"


def seed_path(prefix: str) -> Path:
    (path,) = CORPUS.glob(f"{prefix}_*.txt")
    return path


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "100"})


# --- exit codes and output ---------------------------------------------------------------------------


def test_exit_0_when_the_structure_is_sound():
    result = run("check", "--structure-only", "--spec", "2023-zhuti-minzhu", seed_path("001"))
    assert result.exit_code == 0, result.output
    assert "通过" in result.stdout and "未通过" not in result.stdout
    assert "2023-zhuti-minzhu" in result.stdout
    assert result.stderr == ""


def test_exit_1_with_findings_and_a_readable_table():
    result = run("check", "--structure-only", seed_path("000"))
    assert result.exit_code == 1, result.output
    assert "未通过" in result.stdout
    # People read the findings' Chinese names; the codes are for --json.
    assert "编号不连续" in result.stdout and "方面数不符" in result.stdout
    assert "numbering-gap" not in result.stdout and "count-mismatch" not in result.stdout


def test_json_output_shape():
    result = run("check", "--structure-only", "--json", seed_path("000"))
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert {"ok", "findings", "structure"} <= set(data)
    assert data["ok"] is False
    assert all({"code", "severity", "message", "location", "path"} <= set(f) for f in data["findings"])
    errors = sorted(f["code"] for f in data["findings"] if f["severity"] == "error")
    assert errors == ["count-mismatch", "numbering-gap"]
    roles = [s["role"] for s in data["structure"]["sections"]]
    assert roles == ["preamble", "problems", "causes", "measures", "closing"]
    assert data["structure"]["title"] == "党支部班子民主生活会对照检查材料"


def test_json_output_of_a_passing_seed_with_its_spec():
    result = run("check", "--structure-only", "--json", "--spec", "suqing-liudu-zuzhi", seed_path("004"))
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["spec"] == "suqing-liudu-zuzhi"
    problems = data["structure"]["sections"][1]
    assert len(problems["items"]) == 8 and problems["items"][0]["aspect"] == "党性观念是否纯洁"


def test_broken_material_on_disk_exits_1(tmp_path):
    lines = seed_path("002").read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("二、"))
    end = next(i for i, line in enumerate(lines) if line.startswith("三、"))
    path = tmp_path / "缺原因.docx"
    import docx

    word = docx.Document()
    for line in lines[:start] + lines[end:]:
        word.add_paragraph(line)
    word.save(str(path))
    result = run("check", "--structure-only", "--json", "--spec", "2023-zhuti-minzhu", path)
    assert result.exit_code == 1
    assert "section-missing" in [f["code"] for f in json.loads(result.stdout)["findings"]]


def test_user_spec_file(tmp_path):
    data = load_spec("2023-zhuti-minzhu").model_dump(exclude_defaults=True)
    data["id"] = "my-meeting"
    data["aspects"] = data["aspects"][:3]
    spec_file = tmp_path / "my.yaml"
    spec_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = run("check", "--structure-only", "--json", "--spec", spec_file, seed_path("001"))
    report = json.loads(result.stdout)
    assert report["spec"] == "my-meeting"
    # The extra aspects 担当作为, 工作作风, 廉洁自律 are not in this spec.
    assert [f["code"] for f in report["findings"]].count("aspect-unknown") == 3


# --- bad input: exit 2, one line on stderr, no traceback ---------------------------------------------


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(512))
    pdf = tmp_path / "material.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    random_docx = tmp_path / "random.docx"
    random_docx.write_bytes(os.urandom(2048))
    zip_docx = tmp_path / "archive.docx"
    with zipfile.ZipFile(zip_docx, "w") as archive:
        archive.writestr("readme.txt", "不是 Word 文件")
    broken_xml = tmp_path / "broken.docx"
    with zipfile.ZipFile(broken_xml, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")
    bad_spec = tmp_path / "spec.yaml"
    bad_spec.write_text("id: x\nname: [\n", encoding="utf-8")
    seed = str(seed_path("001"))
    return {
        "missing file": (["check", "--structure-only", str(tmp_path / "nope.txt")], "文件不存在"),
        "directory": (["check", "--structure-only", str(tmp_path)], "目录"),
        "empty file": (["check", "--structure-only", str(empty)], "文件为空"),
        "binary file": (["check", "--structure-only", str(binary)], "二进制"),
        "unknown extension": (["check", "--structure-only", str(pdf)], "不支持的文件类型 .pdf"),
        "unknown spec": (["check", "--structure-only", "--spec", "2099-nope", seed], "未知的会议规范：2099-nope"),
        "bad spec file": (["check", "--structure-only", "--spec", str(bad_spec), seed], "不是有效的 YAML"),
        "random bytes .docx": (["check", "--structure-only", str(random_docx)], "不是有效的 Word(.docx) 文件"),
        "zip that is not a docx": (["check", "--structure-only", str(zip_docx)], "不是有效的 Word(.docx) 文件"),
        "docx with broken XML": (["check", "--structure-only", str(broken_xml)], "不是有效的 Word(.docx) 文件"),
        "unknown spec to show": (["specs", "show", "2099-nope"], "未知的会议规范"),
    }


BAD_INPUT_CASES = [
    "missing file", "directory", "empty file", "binary file", "unknown extension", "unknown spec", "bad spec file",
    "random bytes .docx", "zip that is not a docx", "docx with broken XML", "unknown spec to show",
]


@pytest.mark.parametrize("case", BAD_INPUT_CASES)
def test_bad_input_exits_2_with_one_line(tmp_path, case):
    args, words = _bad_inputs(tmp_path)[case]
    result = run(*args)
    assert result.exit_code == 2, (result.output, result.exception)
    assert result.stdout == ""
    lines = result.stderr.strip().split("\n")
    assert len(lines) == 1 and lines[0].startswith("错误：") and words in lines[0]


def test_bad_input_through_the_installed_command(tmp_path):
    # The real entry point, in real processes: stderr has the one line and no traceback.
    assert DUIZHAO.exists(), DUIZHAO
    for case in ("missing file", "random bytes .docx", "docx with broken XML", "unknown spec"):
        args, words = _bad_inputs(tmp_path)[case]
        done = subprocess.run([str(DUIZHAO), *args], capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, (case, done.stderr)
        assert done.stdout == ""
        assert len(done.stderr.strip().split("\n")) == 1 and words in done.stderr
        assert "Traceback" not in done.stderr


def test_missing_argument_is_a_usage_error():
    result = run("check")
    assert result.exit_code == 2
    assert result.stderr.startswith("错误：缺少“要检查的材料”") and "--help" in result.stderr and result.stdout == ""


# --- specs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", ["80", "200"])
def test_specs_lists_every_builtin_spec(columns):
    result = CliRunner().invoke(app, ["specs"], env={"COLUMNS": columns})
    assert result.exit_code == 0
    for spec_id in builtin_specs():
        # Whole, so it can be copied onto the command line even in a narrow terminal.
        assert spec_id in result.stdout
    # Year, body and status of each spec are shown (the aspects are in `specs show`).
    assert "2023" in result.stdout and "班子" in result.stdout and "支部" in result.stdout
    assert "已确认" in result.stdout and "地方做法" in result.stdout


def test_specs_show_prints_the_spec_as_yaml():
    result = run("specs", "show", "2023-zhuti-minzhu")
    assert result.exit_code == 0
    shown = MeetingSpec.model_validate(yaml.safe_load(result.stdout))
    assert shown == load_spec("2023-zhuti-minzhu")


def test_specs_show_a_user_file(tmp_path):
    data = load_spec("generic-zuzhi").model_dump(exclude_defaults=True)
    data["id"] = "my-branch"
    path = tmp_path / "branch.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = run("specs", "show", path)
    assert result.exit_code == 0
    assert yaml.safe_load(result.stdout)["id"] == "my-branch"


@pytest.mark.parametrize("kind", KINDS)
def test_an_auto_numbered_docx_is_checked_by_its_sections(kind, tmp_path):
    """一、/（一）/1. drawn by Word's, WPS's or LibreOffice's automatic numbering are the material's structure."""
    path = auto_numbered(kind, tmp_path)
    result = run("check", "--json", path)
    data = json.loads(result.stdout)
    assert not [f for f in data["findings"] if f["severity"] == "error"], data["findings"]
    assert data["structure"]["title"] == TITLE
    sections = data["structure"]["sections"]
    assert [s["role"] for s in sections] == ["preamble", "problems", "causes", "measures", "closing"]
    assert [s["heading"] for s in sections[1:4]] == ["一、存在的问题", "二、原因分析", "三、整改措施"]
    assert [[(i["marker"], i["points"]) for i in s["items"]] for s in (sections[1], sections[3])] == [
        [("（一）", 2), ("（二）", 2), ("（三）", 1)]] * 2
    structure_only = run("check", "--structure-only", path)
    assert structure_only.exit_code == 0, structure_only.output
