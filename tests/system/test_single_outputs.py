"""Single output files (export -o, check --html, eval compare -o): an existing file is replaced only with --force,
and --force replaces only a file duizhao wrote."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from pipeline.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
SEED = str(ROOT / "corpus" / "001_5e55ffca6ee2661c.txt")


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_export_keeps_an_existing_file_without_force_and_the_users_file_even_with_it(tmp_path):
    target = tmp_path / "定稿.docx"
    assert run("export", SEED, "-o", str(target)).exit_code == 0
    written = target.read_bytes()
    refused = run("export", SEED, "-o", str(target))
    assert refused.exit_code == 2 and "--force" in refused.stderr and target.read_bytes() == written
    assert run("export", SEED, "-o", str(target), "--force").exit_code == 0
    mine = tmp_path / "我的.docx"
    mine.write_bytes(b"PK\x03\x04 not duizhao's")
    kept = run("export", SEED, "-o", str(mine), "--force")
    assert kept.exit_code == 2 and "不是 duizhao 生成的文件" in kept.stderr
    assert mine.read_bytes() == b"PK\x03\x04 not duizhao's"


def test_check_html_and_compare_html_follow_the_same_rule(tmp_path):
    report = tmp_path / "审查.html"
    assert run("check", SEED, "--spec", "2023-zhuti-minzhu", "--html", str(report)).exit_code in (0, 1)
    first = report.read_bytes()
    assert run("check", SEED, "--html", str(report)).exit_code == 2 and report.read_bytes() == first
    assert run("check", SEED, "--html", str(report), "--force").exit_code in (0, 1)
    notes = tmp_path / "笔记.html"
    notes.write_text("<html>我的笔记</html>", encoding="utf-8")
    assert run("eval", "compare", SEED, SEED, "-o", str(notes), "--force").exit_code == 2
    assert notes.read_text(encoding="utf-8") == "<html>我的笔记</html>"
    fresh = tmp_path / "对照.html"
    assert run("eval", "compare", SEED, SEED, "-o", str(fresh)).exit_code == 0 and fresh.exists()
