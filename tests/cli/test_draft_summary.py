"""The summary after `draft`: a table in a wide terminal, one unit per line with whole paths at 80 columns or in a
pipe (where a nine-column table folded each cell, and an output path, over several lines)."""

from __future__ import annotations

import io

from rich.console import Console

import pipeline.cli.console as console_module
from pipeline.cli.console import print_draft_results
from pipeline.run.runner import UnitResult

OUT = "/home/用户/对照检查材料/2024年度/民主生活会草稿/城关镇东山村党支部"
RESULTS = [
    UnitResult(profile="village.yaml", unit="城关镇东山村党支部", spec="2023-zhuti-minzhu", system="offline", ok=True,
               sections=4, chars=2184, warnings=2, seconds=4.2, outputs=[f"{OUT}.md", f"{OUT}.json", f"{OUT}.docx"]),
    UnitResult(profile="agency.yaml", unit="县市场监督管理局机关第一党支部", spec="2024-dangji-zuzhi",
               system="model:qwen-plus", ok=False, sections=3, chars=2076, errors=1, seconds=31.0, tokens=5120,
               outputs=["out/县市场监督管理局机关第一党支部.md"]),
    UnitResult(profile="broken.yaml", error="单位资料 broken.yaml 不是有效的 YAML：第 2 行用了 Tab 缩进"),
]


def test_not_a_terminal_prints_one_unit_per_line_and_whole_paths(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    print_draft_results(RESULTS)
    lines = capsys.readouterr().out.splitlines()
    units = [line for line in lines if not line.startswith("  ")]
    assert len(units) == 3
    assert units[0].startswith("通过：城关镇东山村党支部（2023-zhuti-minzhu，无模型拼合）") and "2184 字" in units[0]
    assert units[1].startswith("未通过：县市场监督管理局机关第一党支部") and "qwen-plus" in units[1] and "词元 5120" in units[1]
    assert units[2].startswith("失败：broken.yaml") and "Tab 缩进" in units[2]
    paths = [line.strip() for line in lines if line.startswith("  ")]
    assert paths == [*RESULTS[0].outputs, *RESULTS[1].outputs]  # each whole, on its own line
    assert "┃" not in "".join(lines) and "│" not in "".join(lines)


def test_an_80_column_terminal_gets_the_compact_form_too(monkeypatch):
    buffer = io.StringIO()
    monkeypatch.setattr(console_module, "console", lambda stderr=False: Console(file=buffer, force_terminal=True,
                                                                                 width=80, color_system=None))
    print_draft_results(RESULTS)
    assert f"\n  {OUT}.docx\n" in buffer.getvalue() and "│" not in buffer.getvalue()


def test_a_wide_terminal_gets_the_table(monkeypatch):
    buffer = io.StringIO()
    monkeypatch.setattr(console_module, "console", lambda stderr=False: Console(file=buffer, force_terminal=True,
                                                                                 width=200, color_system=None))
    print_draft_results(RESULTS)
    page = buffer.getvalue()
    assert "│" in page and "单位" in page and "词元" in page and "tokens" not in page
    assert "城关镇东山村党支部" in page and "县市场监督管理局机关第一党支部" in page
