"""A meeting drafted from a file or from memory is the same meeting: the rerun record is of its content, and of
the bytes of last year's ledger it read, so a changed ledger is never reported as done before."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from pipeline.core.errors import InputError, OutputError
from pipeline.draft.drafter import OfflineDrafter
from pipeline.export.ledger import ledger_xlsx
from pipeline.material.meeting import group_profile, load_meeting
from pipeline.material.meeting_docs import ledger_header, ledger_title, meeting_ledger_rows
from pipeline.review.copyrate import load_corpus
from pipeline.run.inputs import checked_meeting_data, load_input
from pipeline.run.meeting import draft_meeting
from pipeline.run.runner import DraftOptions

ROOT = Path(__file__).resolve().parents[2]
BRANCH = ROOT / "examples" / "meetings" / "branch-zuzhi.yaml"

pytestmark = pytest.mark.slow  # each drafts a small meeting offline, twice


def run(source, outdir: Path, retriever, **options):
    return asyncio.run(draft_meeting(source, DraftOptions(outdir=outdir, docx=False, **options), OfflineDrafter,
                                     lambda: retriever, corpus_loader=lambda: load_corpus(None, use_store=False)))


def two_members(tmp_path: Path) -> Path:
    data = yaml.safe_load(BRANCH.read_text(encoding="utf-8"))
    data["members"] = data["members"][:2]
    names = {m["name"] for m in data["members"]}
    data.pop("last_year", None)  # last year is only what the ledger says
    for member in data["members"]:
        member.pop("last_year", None)
        member["criticisms"] = {k: v for k, v in member["criticisms"].items() if k in names}
    path = tmp_path / "meeting.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_the_same_meeting_from_a_file_from_an_upload_or_from_a_form_is_done_before(tmp_path, retriever):
    path = two_members(tmp_path)
    first = run(path, tmp_path / "out", retriever)
    assert not first.done_before and first.meeting == str(path)
    uploaded = load_input(path.read_bytes(), "上传的会议文件")  # an upload's bytes, read by run/inputs.py
    again = run(uploaded, tmp_path / "out", retriever)
    assert again.done_before and again.documents == first.documents
    form = checked_meeting_data(yaml.safe_load(path.read_text(encoding="utf-8")))  # a form's mapping
    assert run(form, tmp_path / "out", retriever).done_before
    # Comments and key order are no change of the meeting; a changed fact is.
    path.write_text("# 我的备注\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert run(path, tmp_path / "out", retriever).done_before
    path.write_text(path.read_text(encoding="utf-8").replace("支部副书记", "支部委员", 1), encoding="utf-8")
    with pytest.raises(OutputError, match="会议材料已存在"):
        run(path, tmp_path / "out", retriever)


def test_a_changed_ledger_is_not_done_before(tmp_path, retriever):
    path = two_members(tmp_path)
    meeting, spec = load_meeting(path)
    rows = meeting_ledger_rows(meeting, group_profile(meeting, spec, path), spec)
    ledger = tmp_path / "上年度整改清单.xlsx"
    ledger.write_bytes(ledger_xlsx(ledger_title(meeting, spec), ledger_header(), rows))
    first = run(path, tmp_path / "out", retriever, ledger=ledger)
    assert run(path, tmp_path / "out", retriever, ledger=ledger).done_before
    book = load_workbook(ledger)  # the clerk fills in a row's state and result since
    row = next(r for r in book.active.iter_rows(min_row=2) if isinstance(r[0].value, int))
    row[7].value, row[8].value = "已完成", "已按期完成整改"
    book.save(ledger)
    with pytest.raises(OutputError, match="会议材料已存在"):
        run(path, tmp_path / "out", retriever, ledger=ledger)
    redone = run(path, tmp_path / "out", retriever, ledger=ledger, force=True)
    assert not redone.done_before and redone.folder == first.folder
    folder = Path(redone.folder)
    assert "已按期完成整改" in "".join(p.read_text(encoding="utf-8") for p in folder.glob("*.md"))


def test_a_meeting_in_memory_opens_no_file_it_names(tmp_path, retriever):
    data = yaml.safe_load(BRANCH.read_text(encoding="utf-8"))
    data["ledger_file"] = "../../etc/上年度整改清单.xlsx"
    with pytest.raises(InputError, match="ledger_file"):
        run(checked_meeting_data(data), tmp_path / "out", retriever)
    assert not (tmp_path / "out").exists()
