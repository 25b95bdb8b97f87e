"""Every `duizhao …` command README shows a clerk exists, with every option it is shown with: a README line naming a
command or a flag the CLI does not have fails here, before a newcomer types it."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from pipeline.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
_INLINE = re.compile(r"`((?:\.venv[/\\](?:bin|Scripts)[/\\])?duizhao [^`]+)`")
_END = {">", "|", "&&", ";", "&", "2>&1"}


def _shell_lines(text: str):
    """Lines inside README's ``` blocks (any language: a command may follow a yaml block's example)."""
    inside = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
        elif inside:
            yield line


def _commands(text: str) -> list[str]:
    """The duizhao command lines README shows: in its code blocks and inline code, one per command."""
    found = []
    for line in _shell_lines(text):
        line = re.split(r"\s#\s|\s{2,}#", line)[0].strip()
        for part in re.split(r"&&|;", line):
            part = part.strip()
            if re.match(r"(?:\.venv[/\\](?:bin|Scripts)[/\\])?duizhao\s", part):
                found.append(part)
    found += [m.group(1).strip() for m in _INLINE.finditer(text)]
    return list(dict.fromkeys(found))


def _tokens(line: str) -> list[str]:
    try:
        words = shlex.split(line.replace("…", " "), posix=True)
    except ValueError:
        words = line.split()
    out = []
    for word in words[1:]:  # past the program name
        if word in _END or word.startswith(">"):
            break
        out.append(word.strip("[]"))
    return [w for w in out if w]


def _resolve(words: list[str]):
    """(command path, click command, remaining words); the path stops at the first word that is not a command."""
    command, path = typer.main.get_command(app), []
    while words and getattr(command, "commands", None) and words[0] in command.commands:
        command = command.commands[words[0]]
        path.append(words.pop(0))
    return path, command, words


def _options(command) -> set[str]:
    names = {"--help"}
    for param in command.params:
        names.update(param.opts)
        names.update(param.secondary_opts)
    return names


COMMANDS = _commands(README.read_text(encoding="utf-8"))


def test_readme_shows_commands():
    # The parse found README's usage: the two first commands and the main subcommands.
    shown = {" ".join(_resolve(_tokens(line))[0]) for line in COMMANDS}
    assert {"serve", "draft", "check", "review", "ledger", "confirm", "specs new", "profile init", "meeting init",
            "meeting docs", "ingest", "search", "export", "preview", "eval compare"} <= shown, shown


@pytest.mark.parametrize("line", COMMANDS)
def test_every_readme_command_and_flag_exists(line):
    path, command, rest = _resolve(_tokens(line))
    if getattr(command, "commands", None) and rest and not rest[0].startswith("-"):
        # A group given a word that is none of its commands (e.g. `duizhao specs list`).
        pytest.fail(f"README names a command that does not exist: {line!r} "
                    f"(duizhao {' '.join(path)} has no {rest[0]})")
    flags = [w.split("=", 1)[0] for w in rest if re.match(r"--?[A-Za-z]", w)]
    missing = [f for f in flags if f not in _options(command)]
    assert not missing, f"README shows options duizhao {' '.join(path)} does not have: {missing} ({line!r})"


_SCRIPT = re.compile(r"\.venv/bin/python (eval/[\w/]+\.py)([^`|\n#]*)")
SCRIPTS = sorted({(m.group(1), m.group(2).strip()) for m in _SCRIPT.finditer(README.read_text(encoding="utf-8"))})


@pytest.mark.parametrize("script,args", SCRIPTS, ids=[f"{s} {a}".strip() for s, a in SCRIPTS])
def test_every_readme_benchmark_script_and_flag_exists(script, args):
    # The measurement commands README prints beside its numbers: the script is there and declares each flag shown.
    path = ROOT / script
    assert path.is_file(), script
    source = path.read_text(encoding="utf-8")
    missing = [f for f in re.findall(r"(?<!\S)(--[a-z][\w-]*)", args) if f'"{f}"' not in source]
    if missing:  # a script that wraps a CLI command (typer.run) declares its flags there: ask its help
        shown = subprocess.run([sys.executable, str(path), "--help"], capture_output=True, text=True, cwd=ROOT,
                               env={**os.environ, "COLUMNS": "200"}, timeout=120).stdout
        missing = [f for f in missing if not re.search(rf"(?<![\w-]){re.escape(f)}(?![\w-])", shown)]
    assert not missing, f"README runs {script} with {missing}, which it does not declare"


def test_every_environment_variable_readme_names_is_read():
    # A setting README tells the clerk to export is one the program reads (by its exact name).
    names = set(re.findall(r"\bDUIZHAO_[A-Z_]*[A-Z]\b", README.read_text(encoding="utf-8")))
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "pipeline").rglob("*.py"))
    assert names and not [n for n in sorted(names) if f'"{n}"' not in source and f"'{n}'" not in source]
