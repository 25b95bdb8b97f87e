"""Last year for the workbench form: the entries of an uploaded material or kept 整改清单, read by the same code as
`duizhao draft --last-year` / `--ledger`, shown to the clerk to edit; then merged into the rows she typed by the
same matcher (`run/last_year.py` `pair`): one row per problem, her typed text kept, each difference reported for
her to decide."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path, PurePath

from pydantic import BaseModel, ConfigDict

from pipeline.core.errors import InputError
from pipeline.core.files import safe_file_name
from pipeline.core.resources import lexicon
from pipeline.material.last_year import read_last_year
from pipeline.material.ledger_read import ledger_last_year, read_ledger, statuses
from pipeline.material.profile import LastYear
from pipeline.run.last_year import pair
from pipeline.run.ledger import is_overdue
from pipeline.run.review import UploadLimits, check_ledger_upload, upload_text

# The fields the form shows and the clerk edits; the others (aspect, evidence, source) are carried along.
SHOWN = ("problem", "measure", "owner", "deadline", "status", "fixed")
CARRIED = ("aspect", "evidence", "source")
UPLOADED = "上传的文件"


class FoundEntry(LastYear):
    """One entry read, as the form's list shows it."""

    overdue: bool = False  # a ledger row not done whose time limit has passed


class Found(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str  # what was read, in the clerk's words: 上年度材料 X.docx / 整改清单 X.xlsx
    entries: list[FoundEntry]
    warnings: list[str] = []


class Difference(BaseModel):
    model_config = ConfigDict(extra="forbid")
    row: int  # index in the merged rows
    field: str
    typed: str
    read: str


def ledger_statuses() -> list[str]:
    return statuses()


def _shown_name(name: str | None, fallback: str) -> str:
    """The clerk's file name as the source names it: never a path, never used as one."""
    return safe_file_name(PurePath((name or "").replace("\\", "/")).name, fallback)


def _unpathed(exc: InputError, folder: str, path: Path) -> InputError:
    return InputError(str(exc).replace(str(path), UPLOADED).replace(folder, "").splitlines()[0], code=exc.code)


def _read_upload(data: bytes, suffix: str, reader):
    """`reader` over the upload's bytes in a file of its own; an error names no server path."""
    with tempfile.TemporaryDirectory(prefix="duizhao-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            return reader(path)
        except InputError as exc:
            raise _unpathed(exc, folder, path) from None


def material_entries(data: bytes, suffix: str, name: str | None = None,
                     limits: UploadLimits | None = None) -> Found:
    """Last year's problems (with measure, owner and time limit where the text says so) from an uploaded material
    (.docx/.md/.txt), bounded as any uploaded material is."""
    upload_text(data, suffix, limits)  # refused here, in its one line, if it unpacks or reads too large
    shown = _shown_name(name, f"upload{suffix}")
    entries = _read_upload(data, suffix, read_last_year)
    source = lexicon("last_year")["source_material"].format(name=shown)
    return Found(source=source, entries=[FoundEntry(**{**e.model_dump(), "source": source}) for e in entries])


def ledger_entries(data: bytes, name: str | None = None, limits: UploadLimits | None = None,
                   today: date | None = None) -> Found:
    """The rows of an uploaded 整改清单 as last year's entries: the clerk's 状态 and 完成情况 (her own result), the
    member whose problem a row is (`who`) and whether it is overdue. A ledger with broken rows is refused."""
    # Kept in Excel (.xlsx) or as a Word table (.docx): the clerk's file name says which.
    suffix = ".docx" if PurePath((name or "").replace("\\", "/")).suffix.lower() == ".docx" else ".xlsx"
    check_ledger_upload(data, suffix, limits or UploadLimits())
    shown = _shown_name(name, f"整改清单{suffix}")
    sheet = _read_upload(data, suffix, read_ledger)
    if sheet.errors:
        first = sheet.errors[0].message
        more = f"等 {len(sheet.errors)} 处错误" if len(sheet.errors) > 1 else ""
        raise InputError(f"整改清单有错误，未读入：{first}{more}。请在 Excel 或 WPS 中改正后重新上传（“整改台账”可列出全部错误）")
    sheet = sheet.model_copy(update={"path": shown})  # each row's source names the clerk's file, not ours
    today = today or date.today()
    entries = [FoundEntry(**e.model_dump(), overdue=is_overdue(row, today))
               for e, row in zip(ledger_last_year(sheet), sheet.entries)]
    source = lexicon("last_year")["source_ledger_file"].format(name=shown)
    return Found(source=source, entries=entries, warnings=[i.message for i in sheet.issues])


def merge_rows(typed: list[LastYear], found: list[LastYear]) -> tuple[list[LastYear], list[Difference]]:
    """The typed rows with each found entry merged into the same problem (only its empty fields filled: the typed
    text wins), a problem not typed yet appended; and each field where the two differ, for the clerk to decide."""
    merged = list(typed)
    differences: list[Difference] = []
    for entry, index in zip(found, pair(typed, found)):
        if index is None:
            merged.append(entry)
            continue
        current = merged[index]
        fields = (*SHOWN[1:], *CARRIED)
        # Where it was read is no one's text: the latest reading names it.
        merged[index] = current.model_copy(update={name: getattr(entry, name) for name in fields
                                                   if getattr(entry, name) and (not getattr(current, name)
                                                                                or name == "source")})
        differences += [Difference(row=index, field=name, typed=getattr(current, name), read=getattr(entry, name))
                        for name in SHOWN[1:] if getattr(entry, name) and getattr(current, name)
                        and getattr(entry, name).strip() != getattr(current, name).strip()]
    return merged, differences
