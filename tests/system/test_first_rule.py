"""The first rule, audited end to end: a model that writes plausible claims the unit never gave (an invented event,
admissions, a number, a case, praise, a measure detail) answers every request, and every output a user gets — the
.md, .docx, .json, the 整改清单, the meeting index and papers, the PDF preview, the county sheet, the ledger progress
report, the workbench's pages and every download route — is read back as the user meets it. A claim there either
does not appear, or appears with its mark in that format (〖无依据：…〗, pink highlight + comment, `model` in the
record, the marked span of the review page); where a format cannot carry a mark it must not appear at all."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import docx
import pytest
from fastapi.testclient import TestClient
from marks_audit import ANSWER, leaks_file, leaks_page, leaks_plain, leaks_report, leaks_xlsx, marked_count
from stub_server import StubServer
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.draft.drafter import ModelDrafter
from pipeline.models.fake import QueuedChatModel
from pipeline.web.app import WebConfig, create_app
from tests.web.jobs import finished

pytestmark = pytest.mark.slow  # whole drafts (a 班子 material, a meeting of three members) through the stub

ROOT = Path(__file__).resolve().parents[2]
GROUP = ROOT / "examples" / "county-2025-niandu.yaml"
MEETING = ROOT / "tests" / "fixtures" / "meetings" / "county-bureau-dangzu.yaml"
H = {"X-Duizhao": "1"}


def walk(folder: Path, where: str) -> tuple[list[str], int]:
    """Every file a draft left for the user (not the tool's own .duizhao folder): leaks, claims seen marked."""
    leaks, marked = [], 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and ".duizhao" not in p.parts):
        leaks += leaks_file(path.name, path.read_bytes(), where)
        if path.suffix == ".md":
            marked += marked_count(path.read_text(encoding="utf-8"))
    return leaks, marked


@pytest.fixture(scope="module")
def drafted(tmp_path_factory):
    """`duizhao draft` of a 班子 material and of a whole meeting, the model behind the real HTTP stub."""
    root = tmp_path_factory.mktemp("first-rule")
    runner = CliRunner()
    with StubServer(default=ANSWER) as server:
        env = {"OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": "sk-audit-0123456789", "DUIZHAO_MODEL": "stub-model",
               "DUIZHAO_EMBEDDER": "hash", "DUIZHAO_CACHE_DIR": str(root / "cache")}
        store = ["--store", str(root / "store"), "--concurrency", "4"]
        group = runner.invoke(app, ["draft", str(GROUP), "-o", str(root / "group"), *store], env=env)
        meeting = runner.invoke(app, ["draft", str(MEETING), "-o", str(root / "meeting"), *store], env=env)
        strict = runner.invoke(app, ["draft", str(GROUP), "-o", str(root / "strict"), "--strict", *store], env=env)
        asked = len(server.chat_requests)
    assert group.exit_code in (0, 1), group.output
    assert meeting.exit_code in (0, 1), meeting.output
    assert strict.exit_code in (0, 1), strict.output
    assert asked > 20  # the model path, not the offline composer
    # What the commands print (findings quoted in the terminal) is a report too.
    printed = leaks_report(group.output + meeting.output + strict.output, "draft output")
    assert not printed, "\n".join(printed)
    return root


def test_cli_group_material_every_file(drafted):
    leaks, marked = walk(drafted / "group", "draft")
    assert not leaks, "\n".join(leaks)
    assert marked >= 5  # the claims reached the draft, marked (else the audit proves nothing)


def test_cli_meeting_every_file(drafted):
    [folder] = [p for p in (drafted / "meeting").iterdir() if p.is_dir() and p.name != ".duizhao"]
    names = {p.name for p in folder.iterdir()}
    assert any("整改清单" in n and n.endswith(".xlsx") for n in names) and "index.md" in names
    assert sum("相互批评意见" in n for n in names) >= 3 and len(names) > 20
    leaks, marked = walk(folder, "meeting")
    assert not leaks, "\n".join(leaks)
    assert marked >= 10


def test_strict_draft_leaves_no_claim_outside_its_slot(drafted):
    """--strict drops them: a claim is then only quoted inside the 【待补】 that says what was dropped (the record
    keeps the model's raw answer and what was removed, under those names, apart from the document)."""
    [md] = list((drafted / "strict").glob("*.md"))
    record = json.loads(md.with_suffix(".json").read_text(encoding="utf-8"))
    word = docx.Document(str(md.with_suffix(".docx")))
    for name, text in ((md.name, md.read_text(encoding="utf-8")),
                       ("document of the .json", json.dumps(record["document"], ensure_ascii=False)),
                       ("docx", "\n".join(p.text for p in word.paragraphs))):
        text = re.sub(r"【待补：[^【】]*】", "", text)
        assert not leaks_plain(text, name), leaks_plain(text, name)
    assert "此处删去了资料中没有依据的内容" in next((drafted / "strict").glob("*.md")).read_text(encoding="utf-8")


def test_export_and_html_report_of_the_md(drafted, tmp_path):
    """What the clerk makes of the .md by hand: `duizhao export` to Word, `duizhao check --html`."""
    source = next((drafted / "group").glob("*.md"))
    runner = CliRunner()
    assert runner.invoke(app, ["export", str(source), "-o", str(tmp_path / "a.docx")]).exit_code == 0
    checked = runner.invoke(app, ["check", str(source), "--final", "--json", "--html", str(tmp_path / "a.html")])
    assert checked.exit_code == 1, checked.output  # the claims stand: findings
    leaks = leaks_file("a.docx", (tmp_path / "a.docx").read_bytes(), "export")
    leaks += leaks_file("a.html", (tmp_path / "a.html").read_bytes(), "check --html")
    messages = "\n".join(f["message"] for f in json.loads(checked.stdout)["findings"])
    leaks += leaks_report(messages, "check --json")
    assert not leaks, "\n".join(leaks)


@pytest.mark.soffice
def test_pdf_preview(drafted, tmp_path):
    source = next((drafted / "group").glob("*.docx"))
    done = CliRunner().invoke(app, ["preview", str(source), "-o", str(tmp_path / "pages")])
    assert done.exit_code == 0, done.output
    [pdf] = list((tmp_path / "pages").glob("*.pdf"))
    pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    # Plain text cannot carry the mark: a page that prints a claim must show the highlight (the pink of the .docx)
    # in its rendered pixels, or the claim must not be there.
    for number, page in enumerate(pages, 1):
        if leaks_plain(page.replace("\n", ""), f"preview page {number}"):
            assert pink_pixels(pdf, number) > 500, f"preview page {number} prints a claim without its highlight"
    assert any(leaks_plain(p.replace("\n", ""), "") for p in pages)  # the claims were there to look for


def pink_pixels(pdf: Path, page: int) -> int:
    """Magenta (Word's pink highlight) pixels of one rendered page (pdftoppm's PPM: a header, then RGB bytes)."""
    raw = subprocess.run(["pdftoppm", "-r", "30", "-f", str(page), "-l", str(page), str(pdf)],
                         capture_output=True, check=True).stdout
    header = raw.split(b"\n", 3)
    data = header[3]
    return sum(1 for i in range(0, len(data) - 2, 3) if data[i] > 200 and data[i + 1] < 120 and data[i + 2] > 200)


def test_county_review_sheet(drafted, tmp_path):
    [folder] = [p for p in (drafted / "meeting").iterdir() if p.is_dir() and p.name != ".duizhao"]
    sheet = tmp_path / "审查结果.xlsx"
    done = CliRunner().invoke(app, ["review", str(folder), "-o", str(sheet)])
    assert done.exit_code in (0, 1), done.output
    leaks = leaks_xlsx(sheet.read_bytes(), "county sheet", report=True) + leaks_report(done.output, "review output")
    assert not leaks, "\n".join(leaks)


def test_ledger_progress_report(drafted, tmp_path):
    [folder] = [p for p in (drafted / "meeting").iterdir() if p.is_dir() and p.name != ".duizhao"]
    ledger = next(folder.glob("*整改清单*.xlsx"))
    report = tmp_path / "进展报告.docx"
    done = CliRunner().invoke(app, ["ledger", str(ledger), "--report", str(report), "--today", "2026-04-15"])
    assert done.exit_code in (0, 1), done.output
    leaks = leaks_file(report.name, report.read_bytes(), "ledger") + leaks_plain(done.output, "ledger output")
    assert not leaks, "\n".join(leaks)


# --- the workbench: every page and every download route ------------------------------------------------------------

# Each GET route of the app, by what it gives: a page, a file, or nothing a claim can reach (the form, the jobs API,
# static files). A route added later fails here until the audit reads it.
PAGES = {"/review", "/meeting", "/county", "/ledger", "/"}
FILES = {"/download/{kind}", "/download/kept/{kind}", "/meeting/files/{number}", "/meeting/all.zip",
         "/meeting/previous.zip", "/county/download", "/ledger/report"}
OTHER = {"/form", "/api/profile.yaml", "/api/jobs/{job_id}", "/api/jobs/{job_id}/events", "/static"}


def get_routes(application) -> set[str]:
    """Every GET route of the app, from its own schema (included routers too), and its static mount."""
    paths = {path for path, methods in application.openapi()["paths"].items() if "get" in methods}
    return paths | {getattr(r, "path", "") for r in application.routes if type(r).__name__ == "Mount"}


def upload(client: TestClient, name: str, path: Path) -> None:
    """A profile or meeting file imported over whatever the form holds (the clerk agreed to replace it)."""
    reply = client.post("/api/profile", files={"file": (name, path.read_bytes())}, data={"replace": "true"}, headers=H)
    assert reply.status_code == 200, reply.text


def draft(client: TestClient) -> None:
    """A model draft from the form, over an earlier one the clerk edited (she agreed)."""
    reply = client.post("/api/draft", json={"offline": False, "replace": True}, headers=H)
    assert reply.status_code == 200, reply.text
    finished(client, reply.json()["job"])


def fetched(client: TestClient, url: str) -> tuple[str, bytes]:
    reply = client.get(url)
    assert reply.status_code == 200, (url, reply.text[:200])
    disposition = reply.headers.get("content-disposition", "")
    name = disposition.split("filename*=UTF-8''")[-1] if "filename*=" in disposition else url.rsplit("/", 1)[-1]
    from urllib.parse import unquote

    return unquote(name), reply.content


@pytest.fixture(scope="module")
def workbench(tmp_path_factory, retriever):
    root = tmp_path_factory.mktemp("workbench")
    model = lambda: ModelDrafter(QueuedChatModel(default=ANSWER), "fake")  # noqa: E731
    application = create_app(WebConfig(data_dir=root / "data", retriever_factory=lambda: retriever,
                                       model_available=lambda: True, model_drafter=lambda: model))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DUIZHAO_CACHE_DIR", str(root / "cache"))
        yield application, TestClient(application, base_url="http://127.0.0.1")


def test_every_get_route_is_audited(workbench):
    application, _ = workbench
    unknown = get_routes(application) - PAGES - FILES - OTHER
    assert not unknown, f"a route the first-rule audit does not read: {unknown}"


def test_workbench_unit_draft_pages_and_downloads(workbench):
    _, client = workbench
    upload(client, "班子.yaml", GROUP)
    draft(client)
    page = client.get("/review").text
    leaks = leaks_page(page, "/review")
    assert "m-unsourced" in page
    # The clerk edits the title, then drafts again: the edited draft is kept aside, with its own downloads.
    assert client.post("/api/paragraph", json={"index": 0, "text": "班子对照检查材料（初稿）"}, headers=H).status_code == 200
    draft(client)
    for kind in ("docx", "md", "zip", "html", "xlsx"):
        for route in (f"/download/{kind}", f"/download/kept/{kind}"):
            name, data = fetched(client, route)
            leaks += leaks_file(name, data, route)
    for url in ("/", "/form"):  # the start page and the form hold the unit's own words only
        leaks += leaks_plain(client.get(url).text, url)
    leaks += leaks_plain(client.get("/api/profile.yaml").text, "/api/profile.yaml")
    assert not leaks, "\n".join(leaks)


def test_workbench_meeting_pages_downloads_and_reviews(workbench, drafted):
    _, client = workbench
    upload(client, "会议.yaml", MEETING)
    draft(client)
    page = client.get("/meeting").text
    leaks = leaks_page(page, "/meeting")
    numbers = sorted({int(n) for n in re.findall(r'href="/meeting/files/(\d+)"', page)})
    assert len(numbers) > 20
    for number in numbers:
        name, data = fetched(client, f"/meeting/files/{number}")
        leaks += leaks_file(name, data, f"/meeting/files/{number}")
        if name.endswith(".json") and "材料" in name:  # each material opened in the review page
            assert client.post(f"/api/meeting/review/{number}", headers=H).status_code == 200
            leaks += leaks_page(client.get("/review").text, f"/review of {name}")
            # The clerk edits its title: from now on its downloads are rendered again from her text.
            edited = client.post("/api/paragraph", json={"index": 0, "text": name[:-5] + "（修改稿）"}, headers=H)
            assert edited.status_code == 200, edited.text
            leaks += leaks_page(edited.json()["html"], f"/api/paragraph of {name}")
    for number in numbers:  # again, now that the materials were edited
        name, data = fetched(client, f"/meeting/files/{number}")
        leaks += leaks_file(name, data, f"/meeting/files/{number} (edited)")
    name, data = fetched(client, "/meeting/all.zip")
    leaks += leaks_file(name, data, "/meeting/all.zip")
    # Drafted again over the edits (she agreed): the materials as she left them are kept as a .zip.
    draft(client)
    name, data = fetched(client, "/meeting/previous.zip")
    leaks += leaks_file(name, data, "/meeting/previous.zip")
    # The county review and the ledger report over the workbench's own downloads.
    materials = [fetched(client, f"/meeting/files/{n}") for n in numbers]
    uploads = [("files", (n, d)) for n, d in materials if n.endswith(".docx") and "材料" in n]
    assert client.post("/api/county", files=uploads, headers=H).status_code == 200
    leaks += leaks_page(client.get("/county").text, "/county")
    name, data = fetched(client, "/county/download")
    leaks += leaks_xlsx(data, "/county/download", report=True)
    ledger = next((n, d) for n, d in materials if n.endswith(".xlsx"))
    assert client.post("/api/ledger", files={"file": ledger}, headers=H).status_code == 200
    leaks += leaks_page(client.get("/ledger").text, "/ledger")
    name, data = fetched(client, "/ledger/report")
    leaks += leaks_file(name, data, "/ledger/report")
    assert not leaks, "\n".join(leaks)
