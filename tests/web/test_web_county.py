"""Several materials reviewed at once from the workbench, and the kept 整改台账 uploaded: offline drafts of the
examples (one as Word, one copied under another unit's name) and the township meeting's ledger filled in with
openpyxl, one row made overdue."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from pipeline.draft.drafter import OfflineDrafter
from pipeline.export.docx import write_docx
from pipeline.export.ledger import ledger_xlsx
from pipeline.material.load import load_document, read_text
from pipeline.material.meeting import group_profile, load_meeting
from pipeline.material.meeting_docs import ledger_header, ledger_title, meeting_ledger_rows
from pipeline.run.runner import DraftOptions, draft_all

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [ROOT / "examples" / f"{name}.yaml" for name in ("county-2025-niandu", "township-2024-niandu")]
TOWNSHIP = ROOT / "examples" / "meetings" / "township-2025-niandu.yaml"
H = {"X-Duizhao": "1"}


@pytest.fixture(scope="module")
def drafts(tmp_path_factory, retriever) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("county-drafts")
    results = asyncio.run(draft_all(EXAMPLES, DraftOptions(outdir=folder, docx=False), OfflineDrafter,
                                    lambda: retriever))
    found = {}
    for path, result in zip(EXAMPLES, results):
        assert result.error is None, result.error
        found[path.stem] = next(Path(o) for o in result.outputs if o.endswith(".md"))
    return found


@pytest.mark.slow
def test_several_materials_reviewed_in_one_upload(client, drafts, tmp_path):
    county = drafts["county-2025-niandu"]
    word = tmp_path / "青石镇.docx"
    write_docx(load_document(drafts["township-2024-niandu"]).document, word)
    copied = county.read_text(encoding="utf-8").replace("临河县水利局", "临河县林业局")
    assert "审查多份材料" in client.get("/").text
    files = [("files", (county.name, county.read_bytes())), ("files", ("青石镇.docx", word.read_bytes())),
             ("files", ("../林业局 抄送.md", copied.encode("utf-8")))]
    reply = client.post("/api/county", files=files, headers=H)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"redirect": "/county"}
    page = client.get("/county").text
    assert "审查结果：3 份材料" in page and "青石镇领导班子" in page and "班子对照检查材料" in page
    assert "林业局_抄送.md" in page and f"与 {county.name}" in page and "重复率" in page
    # Saved in the session folder under safe names, nothing outside it.
    [session] = (tmp_path / "data" / "sessions").iterdir()
    assert sorted(p.name for p in (session / "county").iterdir()) == sorted([county.name, "青石镇.docx", "林业局_抄送.md"])
    sheet = client.get("/county/download")
    assert sheet.status_code == 200 and "审查结果.xlsx" in unquote(sheet.headers["content-disposition"])
    book = load_workbook(io.BytesIO(sheet.content))
    rows = {row[0]: row for row in list(book["审查结果"].iter_rows(values_only=True))[1:]}
    assert rows["林业局_抄送.md"][5] > 0.9 and rows["林业局_抄送.md"][6] == county.name
    assert rows["青石镇.docx"][1] == "青石镇领导班子"


@pytest.mark.slow
def test_a_bad_file_in_the_batch_replaces_nothing(client, drafts):
    county = drafts["county-2025-niandu"]
    assert client.post("/api/county", files=[("files", (county.name, county.read_bytes()))], headers=H).status_code == 200
    before = client.get("/county").text
    reply = client.post("/api/county", files=[("files", ("a.md", county.read_bytes())),
                                              ("files", ("清单.xls", b"x"))], headers=H)
    assert reply.status_code == 400 and "清单.xls" in reply.json()["error"]
    broken = client.post("/api/county", files=[("files", ("a.md", county.read_bytes())),
                                               ("files", ("长.txt", "字" * 400_000))], headers=H)
    assert broken.status_code == 400 and "长.txt" in broken.json()["error"] and "过长" in broken.json()["error"]
    assert client.get("/county").text == before


@pytest.fixture
def ledger(tmp_path) -> Path:
    meeting, spec = load_meeting(TOWNSHIP)
    rows = meeting_ledger_rows(meeting, group_profile(meeting, spec, TOWNSHIP), spec)
    path = tmp_path / "整改清单.xlsx"
    path.write_bytes(ledger_xlsx(ledger_title(meeting, spec), ledger_header(), rows))
    book = load_workbook(path)
    sheet = book.active
    sheet["H2"], sheet["I2"], sheet["J2"] = "已完成", "建立落实台账，每月调度1次，已调度12次", "调度会记录12份"
    sheet["G3"], sheet["H3"], sheet["I3"] = "2025年6月底", "整改中", "发文计划已印发"  # long past: overdue
    book.save(path)
    return path


def test_a_filled_ledger_shows_overdue_and_done_rows_and_the_report(client, ledger):
    assert "整改台账" in client.get("/").text
    reply = client.post("/api/ledger", files={"file": ("整改清单.xlsx", ledger.read_bytes())}, headers=H)
    assert reply.status_code == 200, reply.text
    page = client.get("/ledger").text
    overdue = page.split("逾期（", 1)[1].split("已完成（", 1)[0]
    assert "2025年6月底" in overdue and "发文计划已印发" in overdue
    done = page.split("已完成（", 1)[1]
    assert "建立落实台账，每月调度1次，已调度12次" in done and "调度会记录12份" in done
    assert "下载进展报告" in page
    by_source = page.split('class="hint by-source">', 1)[1].split("</span>", 1)[0]
    assert " · 班子查摆 4 · " in by_source and " · 征求意见 2" in by_source  # the example's two raised in 征求意见
    report = client.get("/ledger/report")
    assert report.status_code == 200
    path = ledger.with_name("报告.docx")
    path.write_bytes(report.content)
    text = read_text(path)
    assert "完成情况：建立落实台账，每月调度1次，已调度12次。佐证材料：调度会记录12份。" in text
    assert "完成时限为2025年6月底" in text


def test_a_broken_ledger_names_row_and_column_and_offers_no_report(client, ledger):
    book = load_workbook(ledger)
    book.active["H5"] = "做完了"
    book.save(ledger)
    reply = client.post("/api/ledger", files={"file": ("整改清单.xlsx", ledger.read_bytes())}, headers=H)
    assert reply.status_code == 200, reply.text
    page = client.get("/ledger").text
    assert "第5行 H列（状态）为“做完了”" in page and "下载进展报告" not in page
    assert client.get("/ledger/report").status_code == 404
    wrong = client.post("/api/ledger", files={"file": ("整改清单.xlsx", b"not a zip")}, headers=H)
    assert wrong.status_code == 400 and "不是有效的 Excel" in wrong.json()["error"]


def test_a_ledger_kept_as_a_word_table_is_read_the_same(client, tmp_path):
    import docx

    from pipeline.export.ledger import ledger_docx

    meeting, spec = load_meeting(TOWNSHIP)
    rows = meeting_ledger_rows(meeting, group_profile(meeting, spec, TOWNSHIP), spec)
    path = tmp_path / "整改清单.docx"
    path.write_bytes(ledger_docx(ledger_title(meeting, spec), ledger_header(), rows))
    document = docx.Document(str(path))
    cells = document.tables[0].rows[2].cells
    cells[5].text, cells[6].text = "2025年6月底", "整改中"  # 完成时限 long past: overdue
    document.tables[0].rows[4].cells[6].text = "做完了"
    document.save(str(path))
    reply = client.post("/api/ledger", files={"file": ("整改清单.docx", path.read_bytes())}, headers=H)
    assert reply.status_code == 200, reply.text
    page = client.get("/ledger").text
    assert "表格第5行 第7列（状态）为“做完了”" in page and "下载进展报告" not in page
    overdue = page.split("逾期（", 1)[1].split("已完成（", 1)[0]
    assert "表格第3行" in overdue and "2025年6月底" in overdue
    wrong = client.post("/api/ledger", files={"file": ("整改清单.docx", b"not a zip")}, headers=H)
    assert wrong.status_code == 400 and "不是有效的 Word 文件" in wrong.json()["error"]
    other = client.post("/api/ledger", files={"file": ("整改清单.xls", b"x")}, headers=H)
    assert other.status_code == 400 and ".xlsx / .docx" in other.json()["error"]


def test_a_ledger_that_unpacks_too_large_is_refused(client, tmp_path):
    import zipfile

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (40 * 1024 * 1024))
    reply = client.post("/api/ledger", files={"file": ("整改清单.xlsx", bomb.getvalue())}, headers=H)
    assert reply.status_code == 400 and "解压后过大" in reply.json()["error"]
    assert client.get("/ledger").url.path == "/"


def test_a_batch_past_the_upload_limit_is_refused_whole(client):
    each = "字" * (1024 * 1024)  # 3 MB of UTF-8 each: two pass one at a time, not together
    files = [("files", (f"{n}.txt", each.encode("utf-8"))) for n in range(2)]
    assert client.post("/api/county", files=files, headers=H).status_code == 413
    assert client.get("/county").url.path == "/"
