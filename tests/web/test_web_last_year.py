"""上年度整改 in the workbench form: last year's material (our own draft of an example exported to Word, and another
unit's 范文 turned into .docx) and the kept 整改清单 (written by the project, filled in as a clerk does) read into
an editable list; confirmed entries merged into the typed rows; the rows kept across save and reload and drafted."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from pipeline.draft.drafter import OfflineDrafter
from pipeline.export.docx import write_docx
from pipeline.export.ledger import ledger_xlsx
from pipeline.material.load import load_document, read_text
from pipeline.material.meeting import group_profile, load_meeting
from pipeline.material.meeting_docs import ledger_header, ledger_title, meeting_ledger_rows, unit_ledger_rows, unit_ledger_title
from pipeline.material.profile import load_profile, resolve_spec
from pipeline.run.runner import DraftOptions, draft_all
from tests.web.jobs import wait

ROOT = Path(__file__).resolve().parents[2]
HOSPITAL = ROOT / "examples" / "hospital-2021-dangshi.yaml"
TOWNSHIP = ROOT / "examples" / "meetings" / "township-2025-niandu.yaml"
SEED = next((ROOT / "corpus").glob("001_*.txt"))  # a township's 2023 班子 material, another unit's words
H = {"X-Duizhao": "1"}


@pytest.fixture(scope="module")
def hospital_docx(tmp_path_factory, retriever) -> Path:
    """Last year's material as this tool wrote it in Word: the hospital example drafted offline and exported."""
    outdir = tmp_path_factory.mktemp("2021")
    [result] = asyncio.run(draft_all([HOSPITAL], DraftOptions(outdir=outdir), OfflineDrafter, lambda: retriever))
    assert result.error is None, result.error
    return outdir / "县人民医院内科党支部.docx"


@pytest.fixture(scope="module")
def seed_docx(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("seed")
    text = folder / "2023年对照检查材料.txt"
    text.write_bytes(SEED.read_bytes())
    word = folder / "2023年对照检查材料.docx"
    write_docx(load_document(text).document, word)
    return word


def hospital_ledger(folder: Path, cells: dict[str, str]) -> Path:
    profile = load_profile(HOSPITAL)
    path = folder / "整改清单.xlsx"
    path.write_bytes(ledger_xlsx(unit_ledger_title(profile, resolve_spec(profile, HOSPITAL.parent)), ledger_header(),
                                 unit_ledger_rows(profile, resolve_spec(profile, HOSPITAL.parent))))
    book = load_workbook(path)
    for ref, value in cells.items():
        book.active[ref] = value  # as the clerk fills it in Excel
    book.save(path)
    return path


def upload(client, kind: str, path: Path, name: str | None = None):
    return client.post(f"/api/last-year/{kind}", files={"file": (name or path.name, path.read_bytes())}, headers=H)


def test_our_own_word_draft_lists_each_problem_with_measure_owner_and_time_limit(client, hospital_docx):
    reply = upload(client, "material", hospital_docx, "2021年对照检查材料.docx")
    assert reply.status_code == 200, reply.text
    found = reply.json()
    problems = [p for ps in load_profile(HOSPITAL).aspects.values() for p in ps]
    assert [e["problem"] for e in found["entries"]] == [p.problem for p in problems]
    for entry, problem in zip(found["entries"], problems):
        assert entry["measure"] == problem.measure.rstrip("。")
        assert entry["owner"] == problem.owner and entry["deadline"]
        assert entry["fixed"] == "" and entry["status"] == ""  # a material promises; it never says what came of it
        assert entry["source"] == "上年度材料 2021年对照检查材料.docx"
    assert found["source"] == "上年度材料 2021年对照检查材料.docx"


def test_another_units_material_in_word_lists_its_problems(client, seed_docx):
    found = upload(client, "material", seed_docx).json()
    text = read_text(SEED)
    problems = [e["problem"] for e in found["entries"]]
    assert len(problems) == 12  # 六个方面, 一是/二是 each
    assert "理论学习不深不透" in problems and "制度执行不严格" in problems
    assert all(p.replace("责任制", "##paidbegin##责任制") in text or p in text for p in problems)


def test_a_filled_ledger_gives_the_clerks_status_result_and_overdue_rows(client, tmp_path):
    ledger = hospital_ledger(tmp_path, {"H2": "已完成", "I2": "下乡义诊纳入积分，全年公示4次", "J2": "积分公示4份"})
    found = upload(client, "ledger", ledger).json()
    first, second = found["entries"][:2]
    assert first["problem"] == "党员发挥先锋模范作用不够均衡"
    assert (first["status"], first["fixed"], first["evidence"]) == ("已完成", "下乡义诊纳入积分，全年公示4次", "积分公示4份")
    assert first["source"] == "整改清单 整改清单.xlsx 第2行" and found["source"] == "整改清单 整改清单.xlsx"
    assert not first["overdue"]
    # Still 整改中 and its 2021 time limit long past: overdue; no result given: none invented.
    assert second["status"] == "整改中" and second["fixed"] == ""
    assert [e["overdue"] for e in found["entries"][2:]] == [True, True]


def test_a_meeting_ledger_names_whose_each_row_is(client, tmp_path):
    meeting, spec = load_meeting(TOWNSHIP)
    path = tmp_path / "会议整改清单.xlsx"
    path.write_bytes(ledger_xlsx(ledger_title(meeting, spec), ledger_header(),
                                 meeting_ledger_rows(meeting, group_profile(meeting, spec, TOWNSHIP), spec)))
    entries = upload(client, "ledger", path).json()["entries"]
    names = {m.name for m in meeting.members}
    assert {e["who"] for e in entries} - {""} == names
    assert any(e["who"] == "" for e in entries)  # the 班子's own rows


@pytest.mark.parametrize("kind,name,data,message", [
    ("material", "去年.doc", b"x", "上年度材料应为 .docx / .txt / .md 文件"),
    ("material", "去年.txt", "今年工作很忙。\n".encode(), "没有从 上传的文件 中读出问题"),
    ("material", "去年.docx", b"PK\x03\x04broken", "不是有效的 Word(.docx) 文件：上传的文件"),
    ("ledger", "台账.xls", b"x", "整改台账应为 .xlsx / .docx 文件"),
    ("ledger", "台账.xlsx", b"not a zip", "不是有效的 Excel 表格"),
])
def test_bad_uploads_are_one_chinese_line_without_paths(client, tmp_path, kind, name, data, message):
    reply = client.post(f"/api/last-year/{kind}", files={"file": (name, data)}, headers=H)
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert message in error and "\n" not in error and "/tmp" not in error and str(tmp_path) not in error


def test_a_ledger_with_a_broken_row_is_refused_naming_the_cell(client, tmp_path):
    ledger = hospital_ledger(tmp_path, {"H3": "差不多了"})
    error = upload(client, "ledger", ledger).json()["error"]
    assert "第3行 H列（状态）为“差不多了”" in error and "\n" not in error and "/tmp" not in error


def test_confirmed_entries_merge_into_typed_rows_the_typed_text_kept(client):
    typed = [{"problem": "党员先锋模范作用发挥不均衡", "fixed": "参加义诊的党员增至15名"},
             {"problem": "科室学习流于形式", "fixed": ""}]
    found = [{"problem": "党员发挥先锋模范作用不够均衡", "status": "已完成", "fixed": "下乡义诊纳入积分，全年公示4次",
              "owner": "支部书记", "source": "整改清单 整改清单.xlsx 第2行"},
             {"problem": "患者等候时间长的问题没有根本解决", "measure": "增开周一周五诊室"}]
    reply = client.post("/api/last-year/merge", json={"groups": [{"typed": typed, "found": found}]}, headers=H)
    [group] = reply.json()["groups"]
    rows = group["rows"]
    assert [r["problem"] for r in rows] == ["党员先锋模范作用发挥不均衡", "科室学习流于形式", "患者等候时间长的问题没有根本解决"]
    # Same problem in other words: one row; the typed result stays, empty fields are filled from what was read.
    assert rows[0]["fixed"] == "参加义诊的党员增至15名" and rows[0]["owner"] == "支部书记" and rows[0]["status"] == "已完成"
    assert group["differences"] == [{"row": 0, "field": "fixed", "typed": "参加义诊的党员增至15名",
                                     "read": "下乡义诊纳入积分，全年公示4次"}]
    assert rows[2]["measure"] == "增开周一周五诊室"


def test_read_rows_survive_save_and_reload_and_are_drafted(client, hospital_docx, tmp_path):
    client.post("/api/spec", json={"spec": "generic-zuzhi"}, headers=H)
    found = upload(client, "material", hospital_docx).json()["entries"]
    ledger = hospital_ledger(tmp_path, {"H2": "已完成", "I2": "下乡义诊纳入积分，全年公示4次"})
    rows = client.post("/api/last-year/merge", headers=H, json={"groups": [
        {"typed": [], "found": found}]}).json()["groups"][0]["rows"]
    kept = [e for e in upload(client, "ledger", ledger).json()["entries"] if e["status"] == "已完成"]
    rows = client.post("/api/last-year/merge", headers=H, json={"groups": [
        {"typed": rows, "found": kept}]}).json()["groups"][0]["rows"]
    state = {"spec": "generic-zuzhi", "unit_name": "县人民医院内科党支部", "year": "2022", "last_year": rows,
             "aspects": {"思想认识": [{"problem": "理论学习不够系统", "facts": ["全年集中学习8次"]}]}}
    assert client.post("/api/form", json=state, headers=H).json()["saved"]
    page = client.get("/form").text
    assert 'value="下乡义诊纳入积分，全年公示4次"' in page and '<option value="已完成" selected>' in page
    assert f'value="{rows[1]["measure"]}"' in page and "来自：整改清单 整改清单.xlsx 第2行" in page
    profile = yaml.safe_load(client.get("/api/profile.yaml").text)
    assert profile["last_year"][0]["fixed"] == "下乡义诊纳入积分，全年公示4次"
    assert profile["last_year"][1]["measure"] == rows[1]["measure"] and profile["last_year"][1]["owner"]
    job = client.post("/api/draft", json={"offline": True}, headers=H).json()["job"]
    assert wait(client, job)["status"] == "done"
    text = client.get("/download/md").content.decode("utf-8")
    part = text[text.index("上年度"):]
    for row in rows:
        inner = row["problem"].replace("“", "‘").replace("”", "’")  # a quote inside a quote
        assert f"“{inner}”" in part
    # The ledger's result is the unit's own; the others promised a measure and have no result yet.
    assert "已完成整改，下乡义诊纳入积分，全年公示4次" in part
    assert part.count("【待补：整改结果】") == len(rows) - 1


def test_a_members_ledger_rows_survive_the_meeting_file_round_trip(client, tmp_path):
    """The page puts a member's ledger rows under that member; the meeting file keeps every field of them."""
    meeting, spec = load_meeting(TOWNSHIP)
    path = tmp_path / "会议整改清单.xlsx"
    path.write_bytes(ledger_xlsx(ledger_title(meeting, spec), ledger_header(),
                                 meeting_ledger_rows(meeting, group_profile(meeting, spec, TOWNSHIP), spec)))
    book = load_workbook(path)
    row = next(r for r in range(2, book.active.max_row + 1) if book.active[f"D{r}"].value == "个人查摆（刘芳）")
    book.active[f"H{row}"], book.active[f"I{row}"] = "已完成", "全年形成调研报告3篇"
    book.save(path)
    hers = [e for e in upload(client, "ledger", path).json()["entries"] if e["who"] == "刘芳"]
    assert any(e["fixed"] == "全年形成调研报告3篇" for e in hers)
    client.post("/api/spec", json={"spec": "generic-zuzhi"}, headers=H)
    rows = client.post("/api/last-year/merge", headers=H, json={"groups": [{"found": hers}]}).json()["groups"][0]["rows"]
    state = {"spec": "generic-zuzhi", "unit_name": "青石镇党委", "year": "2026",
             "members": [{"name": "刘芳", "post": "组织委员", "last_year": rows}]}
    assert client.post("/api/form", json=state, headers=H).json()["saved"]
    assert 'value="全年形成调研报告3篇"' in client.get("/form").text
    downloaded = tmp_path / "会议.yaml"
    downloaded.write_bytes(client.get("/api/profile.yaml").content)
    [member] = load_meeting(downloaded)[0].members
    done = next(e for e in member.last_year if e.fixed == "全年形成调研报告3篇")
    assert done.status == "已完成" and done.source.startswith("整改清单 会议整改清单.xlsx 第") and done.measure


def test_a_status_written_otherwise_is_kept_on_the_page(client):
    """A profile's 状态 outside the ledger's four stays selected, so an autosave never drops it."""
    state = {"spec": "generic-zuzhi", "unit_name": "东山村党支部",
             "last_year": [{"problem": "三会一课不规范", "status": "基本完成"}]}
    client.post("/api/spec", json={"spec": "generic-zuzhi"}, headers=H)
    assert client.post("/api/form", json=state, headers=H).json()["saved"]
    assert '<option value="基本完成" selected>基本完成</option>' in client.get("/form").text
