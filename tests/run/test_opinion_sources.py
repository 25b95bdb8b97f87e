"""Problems raised in 征求意见: marked `source: 征求意见` in the meeting file, they are 征求意见 rows of the meeting's
整改清单 (with the member's name on a member's row), read back as such, counted by `duizhao ledger`; a source
outside the list is one line, exit 2, nothing written."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.draft.drafter import OfflineDrafter
from pipeline.material.ledger_read import ledger_last_year, read_ledger
from pipeline.review.copyrate import load_corpus
from pipeline.run.ledger import review_ledger
from pipeline.run.meeting import draft_meeting
from pipeline.run.runner import DraftOptions

ROOT = Path(__file__).resolve().parents[2]
BRANCH = ROOT / "examples" / "meetings" / "branch-zuzhi.yaml"
AGENCY = ROOT / "examples" / "agency-2024-dangji.yaml"


def meeting_with_opinions(tmp_path: Path) -> tuple[Path, dict]:
    """The branch example with two members; its 班子's second problem and the first member's first raised in 征求意见."""
    data = yaml.safe_load(BRANCH.read_text(encoding="utf-8"))
    data["members"] = data["members"][:2]
    names = {m["name"] for m in data["members"]}
    for member in data["members"]:
        member["criticisms"] = {k: v for k, v in member["criticisms"].items() if k in names}
    group = [p for problems in data["aspects"].values() for p in problems][1]
    member = [p for problems in data["members"][0]["aspects"].values() for p in problems][0]
    group["source"] = member["source"] = "征求意见"
    path = tmp_path / "meeting.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path, {"group": group["problem"], "member": member["problem"], "name": data["members"][0]["name"]}


def test_problems_raised_in_opinions_are_征求意见_rows_of_the_meetings_ledger(tmp_path, retriever):
    path, raised = meeting_with_opinions(tmp_path)
    result = asyncio.run(draft_meeting(path, DraftOptions(outdir=tmp_path / "out"), OfflineDrafter, lambda: retriever,
                                       corpus_loader=lambda: load_corpus(None, use_store=False)))
    ledger = Path(result.folder) / "整改清单.xlsx"
    rows = [[c.value for c in row] for row in load_workbook(ledger).active.iter_rows(min_row=2)]
    sources = {row[2]: row[3] for row in rows}
    assert sources[raised["group"]] == "征求意见"
    assert sources[raised["member"]] == f"征求意见（{raised['name']}）"
    assert [row[2] for row in rows if str(row[3]).startswith("征求意见")] == [raised["group"], raised["member"]]
    # The other problems keep where they were found; a 征求意见 row states its measure like any of the material's.
    assert {s.split("（")[0] for s in sources.values()} >= {"班子查摆", "个人查摆", "征求意见", "相互批评"}
    opinion = next(row for row in rows if row[2] == raised["member"])
    assert opinion[7] == "整改中" and opinion[5] == raised["name"]

    # Read back: the 来源 says 征求意见, and a member's row is still the member's.
    entries = read_ledger(ledger).entries
    assert [e.problem for e in entries if e.kind == "opinions"] == [raised["group"], raised["member"]]
    carried = {e.problem: e.who for e in ledger_last_year(read_ledger(ledger))}
    assert carried[raised["member"]] == raised["name"] and carried[raised["group"]] == ""
    review = review_ledger(ledger)
    assert review.by_source["征求意见"] == 2 and sum(review.by_source.values()) == len(entries)
    shown = CliRunner().invoke(app, ["ledger", str(ledger), "--today", "2026-01-01"])
    assert shown.exit_code == 0, shown.output
    [line] = [line for line in shown.stdout.splitlines() if line.startswith("按来源：")]
    assert "征求意见 2 项" in line and "班子查摆 2 项" in line


@pytest.mark.parametrize("which", ["profile", "meeting"])
def test_a_source_outside_the_list_is_one_line_exit_2_and_nothing_written(tmp_path, which):
    if which == "meeting":
        path, _ = meeting_with_opinions(tmp_path)
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        problem = next(iter(data["members"][1]["aspects"].values()))[0]
        where = f"members.1.aspects.{next(iter(data['members'][1]['aspects']))}.0.source"
    else:
        data = yaml.safe_load(AGENCY.read_text(encoding="utf-8"))
        problem = next(iter(data["aspects"].values()))[0]
        where = f"aspects.{next(iter(data['aspects']))}.0.source"
    problem["source"] = "群众来信"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["draft", str(path), "--offline", "-o", str(out)])
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert f"字段 {where} 有误：“群众来信”不是问题来源，应为：班子查摆、个人查摆、征求意见" in lines[0]
    assert not out.exists() or not any(out.rglob("*.*"))
