"""上年度整改 in the form: last year's material or the kept 整改清单 uploaded, its entries read by the library
(`run/last_year_form.py`, the code `duizhao draft --last-year` / `--ledger` uses) and handed back for the page to
list and edit; the entries the clerk confirms are merged into the rows already typed by the same matcher, the typed
text kept and each difference returned for her to decide. Nothing is saved here: the page's rows are the form."""

from __future__ import annotations

from fastapi import APIRouter, File, Request, UploadFile
from pydantic import BaseModel, ConfigDict

from pipeline.core.errors import InputError
from pipeline.material.profile import LastYear
from pipeline.run.last_year_form import ledger_entries, material_entries, merge_rows
from pipeline.web.context import app_state, guarded, heavy, request_session
from pipeline.web.forms import LastYearRow, last_year_rows
from pipeline.web.security import read_upload, upload_suffix

router = APIRouter()
MAX_ROWS = 500  # far more than any unit's last year


class MergeGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    typed: list[LastYearRow] = []
    found: list[LastYearRow] = []


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    groups: list[MergeGroup]


def _entries(rows: list[LastYearRow]) -> list[LastYear]:
    return [LastYear(**{**row.model_dump(), "problem": row.problem.strip()}) for row in rows if row.problem.strip()]


@router.post("/api/last-year/material")
@guarded
async def read_material(request: Request, file: UploadFile = File(...)):
    config = app_state(request).config
    suffix = upload_suffix(file.filename, (".docx", ".txt", ".md"), "上年度材料")
    data = await read_upload(file, config.max_material_bytes, "上年度材料")
    request_session(request)
    found = await heavy(request, material_entries, data, suffix, file.filename, config.upload_limits)
    return found.model_dump()


@router.post("/api/last-year/ledger")
@guarded
async def read_ledger(request: Request, file: UploadFile = File(...)):
    config = app_state(request).config
    upload_suffix(file.filename, (".xlsx", ".docx"), "整改台账")
    data = await read_upload(file, config.max_material_bytes, "整改台账")
    request_session(request)
    found = await heavy(request, ledger_entries, data, file.filename, config.upload_limits)
    return found.model_dump()


@router.post("/api/last-year/merge")
@guarded
def merge(request: Request, body: MergeRequest):
    """Per group (the 班子's rows, a member's): the merged rows and the fields where typed and read differ."""
    request_session(request)
    if sum(len(g.typed) + len(g.found) for g in body.groups) > MAX_ROWS:
        raise InputError(f"上年度问题过多（上限 {MAX_ROWS} 条）")
    answers = []
    for group in body.groups:
        rows, differences = merge_rows(_entries(group.typed), _entries(group.found))
        answers.append({"rows": [r.model_dump() for r in last_year_rows(rows)],
                        "differences": [d.model_dump() for d in differences]})
    return {"groups": answers}
