"""What a clerk and a security reviewer expect of the workbench: invented session ids are not sessions, errors
speak the clerk's words, specs made from a notice belong to the session that made them and can be deleted, and
every step that replaces what was typed keeps it and can be undone."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from pipeline.core.errors import InputError
from pipeline.web.app import SESSION_COOKIE, WebConfig, create_app
from pipeline.web.context import clerk_words, failure
from pipeline.web.store import new_id

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "agency-2024-dangji.yaml"
H = {"X-Duizhao": "1"}
NOTICE = """关于召开2026年度县级党员领导干部民主生活会的通知
经县委同意，现就召开2026年度县级党员领导干部民主生活会有关事项通知如下。
二、主要内容
围绕会议主题，重点从以下四个方面进行对照检查：一是带头深化理论武装、筑牢信仰之基；二是带头践行初心使命、增进民生福祉；三是带头严守纪律规矩、保持清正廉洁；四是带头担当作为、狠抓工作落实。
"""


@pytest.fixture
def app(tmp_path, retriever, monkeypatch):
    monkeypatch.setenv("DUIZHAO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path / "cache"))
    return create_app(WebConfig(data_dir=tmp_path / "data", retriever_factory=lambda: retriever,
                                model_available=lambda: False))


def clerk(app) -> TestClient:
    return TestClient(app, base_url="http://127.0.0.1")


def test_an_invented_session_id_gets_a_new_session_and_no_folder(app, tmp_path):
    invented = new_id()
    client = TestClient(app, base_url="http://127.0.0.1", cookies={SESSION_COOKIE: invented})
    reply = client.post("/api/spec", json={"spec": "2024-dangji-zuzhi"}, headers=H)
    assert reply.status_code == 200
    given = reply.cookies[SESSION_COOKIE]
    client = TestClient(app, base_url="http://127.0.0.1", cookies={SESSION_COOKIE: given})
    sessions = tmp_path / "data" / "sessions"
    assert given != invented and not (sessions / invented).exists() and (sessions / given / "form.json").is_file()
    # The id the server gave is kept from then on.
    again = client.get("/form")
    assert again.status_code == 200 and again.cookies[SESSION_COOKIE] == given


def test_errors_carry_no_server_path_session_id_or_flag(tmp_path):
    sid = new_id()
    message = f"草稿已存在，未覆盖：{tmp_path}/data/sessions/{sid}/out/单位.md（确需重写请加 --force）"
    shown = failure(InputError(message)).body.decode("utf-8")
    assert sid not in shown and "--force" not in shown and str(tmp_path) not in shown and "草稿已存在" in shown
    assert clerk_words("已有同名的自建会议规范：C:\\Users\\li\\duizhao\\specs\\x.yaml（覆盖请加 --force，或用 --id 另取一个）") \
        == "已有同名的自建会议规范：（文件）"
    assert clerk_words("单位资料应为 .yaml / .yml 文件，收到：a.txt") == "单位资料应为 .yaml / .yml 文件，收到：a.txt"


def _confirm_notice(client: TestClient, **body) -> str:
    assert client.post("/api/notice", files={"file": ("通知.txt", NOTICE.encode())}, headers=H).status_code == 200
    confirmed = client.post("/api/notice/confirm", json=body, headers=H)
    assert confirmed.status_code == 200, confirmed.text
    return confirmed.json()["spec"]


def test_a_notice_spec_gets_an_id_belongs_to_its_session_and_can_be_deleted(app, tmp_path):
    mine, other = clerk(app), clerk(app)
    other.get("/")
    spec = _confirm_notice(mine)
    assert spec == "2026-niandu-minzhu"  # made from the notice, nobody typed it
    assert spec in mine.get("/").text and spec not in other.get("/").text
    refused = other.post("/api/spec", json={"spec": spec}, headers=H)
    assert refused.status_code == 400 and "未知的会议规范" in refused.json()["error"]
    assert "generic-zuzhi" not in refused.json()["error"] and "重新选择" in refused.json()["error"]  # a step, not ids
    assert other.post(f"/api/specs/{spec}/delete", headers=H).status_code == 404
    assert mine.post("/api/specs/2024-dangji-zuzhi/delete", headers=H).status_code == 404  # built-in: not ours
    # The same notice confirmed again (after undoing it, say) is the same spec, not a copy in the list.
    assert _confirm_notice(mine) == spec and mine.get("/").text.count('class="delete-spec"') == 1
    second = _confirm_notice(other)
    assert second == "2026-niandu-minzhu-2"  # another clerk's confirmation does not overwrite the first
    start = mine.get("/").text
    assert "由您上传的会议通知生成" in start and "notice.txt" not in start and "specs new" not in start
    # The form is on it: deleting would strand the form, so it is refused in words until another spec is chosen.
    refused = mine.post(f"/api/specs/{spec}/delete", headers=H)
    assert refused.status_code == 400 and "请先选用其他会议规范" in refused.json()["error"]
    mine.post("/api/spec", json={"spec": "2024-dangji-zuzhi", "replace": True}, headers=H)
    assert mine.post(f"/api/specs/{spec}/delete", headers=H).json() == {"deleted": spec}
    undo = mine.post("/api/form/undo", headers=H)  # back to the deleted spec: refused, the form stays usable
    assert undo.status_code == 400 and "会议规范已经删除" in undo.json()["error"]
    assert 'data-spec="2024-dangji-zuzhi"' in mine.get("/form").text
    assert f'data-spec="{spec}"' not in mine.get("/").text
    assert not (tmp_path / "home" / "specs" / f"{spec}.yaml").exists()


def test_confirming_a_notice_keeps_the_filled_form_and_can_be_undone(app):
    client = clerk(app)
    client.post("/api/spec", json={"spec": "2024-dangji-zuzhi"}, headers=H)
    state = {"spec": "2024-dangji-zuzhi", "unit_name": "东山村党支部", "opinions_text": "调研次数偏少",
             "aspects": {"政治纪律": [{"problem": "学习不深", "facts": ["全年集中学习仅3次"]}]}}
    assert client.post("/api/form", json=state, headers=H).status_code == 200
    read = client.post("/api/notice", files={"file": ("通知.txt", NOTICE.encode())}, headers=H).json()
    asked = "当前表格已填写的内容（单位名称、1 个问题、征求意见）将改按通知生成的会议规范“2026年度县级党员领导干部民主生活会”填写"
    assert read["ask"].startswith(asked) and read["ask"].endswith("可以撤销。继续吗？")
    # Not asked (an old page, a script): refused, the form and the spec list as they were.
    refused = client.post("/api/notice/confirm", json={}, headers=H)
    assert refused.status_code == 409 and refused.json()["error"] == read["ask"]
    assert 'data-spec="2024-dangji-zuzhi"' in client.get("/form").text and "2026-niandu" not in client.get("/").text
    spec = _confirm_notice(client, replace=True)
    form = client.get("/form").text
    assert spec in form and "东山村党支部" in form and "学习不深" in form and "调研次数偏少" in form
    assert "撤销“确认会议通知”" in form
    assert client.post("/api/form/undo", headers=H).json() == {"redirect": "/form"}
    back = client.get("/form").text
    assert 'data-spec="2024-dangji-zuzhi"' in back and "学习不深" in back
    # Undone, the step can be redone, and is named as what it was, not as an undo of an undo.
    assert "重做“确认会议通知”" in back and "撤销“撤销" not in back
    client.post("/api/form/undo", headers=H)
    again = client.get("/form").text
    assert spec in again and "东山村党支部" in again and "撤销“确认会议通知”" in again


def test_importing_a_file_over_a_filled_form_can_be_undone(app):
    client = clerk(app)
    client.post("/api/spec", json={"spec": "2024-dangji-zuzhi"}, headers=H)
    client.post("/api/form", json={"spec": "2024-dangji-zuzhi", "unit_name": "我自己填的支部"}, headers=H)
    assert 'data-ask="当前表格已填写的内容（单位名称）将被导入的文件替换，可以撤销。继续吗？"' in client.get("/").text
    refused = client.post("/api/profile", files={"file": ("a.yaml", EXAMPLE.read_bytes())}, headers=H)
    assert refused.status_code == 409 and "将被导入的文件替换" in refused.json()["error"]
    assert "我自己填的支部" in client.get("/form").text
    assert client.post("/api/profile", files={"file": ("a.yaml", EXAMPLE.read_bytes())}, data={"replace": "true"},
                       headers=H).status_code == 200
    assert "县市场监督管理局机关第一党支部" in client.get("/form").text
    client.post("/api/form/undo", headers=H)
    assert "我自己填的支部" in client.get("/form").text


def test_an_uploaded_material_over_an_edited_draft_can_be_undone(app):
    client = clerk(app)
    first = "关于2024年度组织生活会的对照检查材料\n一、存在的问题\n学习不够深入，全年集中学习仅3次。\n"
    client.post("/api/material", files={"file": ("a.txt", first.encode("utf-8"))}, headers=H)
    client.post("/api/paragraph", json={"index": 2, "text": "我亲手改过的这一段。"}, headers=H)
    second = "关于2025年度民主生活会的对照检查材料\n一、存在的问题\n调研不够。\n"
    refused = client.post("/api/material", files={"file": ("b.txt", second.encode("utf-8"))}, headers=H)
    assert refused.status_code == 409 and "有您的 1 处修改，将被上传的材料替换" in refused.json()["error"]
    assert "我亲手改过的这一段" in client.get("/review").text
    client.post("/api/material", files={"file": ("b.txt", second.encode("utf-8"))}, data={"replace": "true"}, headers=H)
    page = client.get("/review").text
    assert "调研不够" in page and "撤销“上传材料”" in page and "下载之前的材料（Word）" in page
    # The edited material can be downloaded as it was, without undoing.
    kept = client.get("/download/kept/md")
    assert kept.status_code == 200 and "我亲手改过的这一段" in kept.text and quote("之前的版本") in kept.headers["content-disposition"]
    assert "我亲手改过的这一段" not in client.get("/download/md").text
    assert client.post("/api/draft/undo", headers=H).json() == {"redirect": "/review"}
    back = client.get("/review").text
    assert "我亲手改过的这一段" in back and "调研不够" not in back
    assert "重做“上传材料”" in back and "撤销“撤销" not in back
    client.post("/api/draft/undo", headers=H)  # and the undo itself can be undone
    again = client.get("/review").text
    assert "调研不够" in again and "撤销“上传材料”" in again


def test_a_session_past_its_quota_loses_only_its_drafting_caches(tmp_path):
    from pipeline.web.forms import FormState
    from pipeline.web.store import Session

    session = Session(tmp_path / "sessions", new_id())
    session.save_form(FormState(spec="2024-dangji-zuzhi", unit_name="东山村党支部"))
    session.save_text("草稿正文\n")
    cache = session.path("out") / ".duizhao" / "items"
    cache.mkdir(parents=True)
    (cache / "a.json").write_bytes(b"x" * 300_000)
    assert session.trim(1_000_000) > 300_000 and (cache / "a.json").is_file()  # within the quota: kept
    assert session.trim(100_000) < 100_000
    assert not cache.exists() and session.form().unit_name == "东山村党支部" and session.draft_text() == "草稿正文\n"


def test_a_spec_change_keeps_what_was_typed_and_can_be_undone(app):
    client = clerk(app)
    client.post("/api/spec", json={"spec": "2024-dangji-zuzhi"}, headers=H)
    assert 'data-ask=""' in client.get("/").text.split('data-spec="generic-zuzhi"')[1][:20]  # an empty form: not asked
    assert client.post("/api/spec", json={"spec": "generic-zuzhi"}, headers=H).status_code == 200
    assert client.post("/api/spec", json={"spec": "2024-dangji-zuzhi"}, headers=H).status_code == 200
    client.post("/api/form", json={"spec": "2024-dangji-zuzhi", "unit_name": "东山村党支部",
                                   "aspects": {"廉洁纪律": [{"problem": "公务接待把关不严"}]}}, headers=H)
    start = client.get("/").text
    assert "当前表格已填写的内容（单位名称、1 个问题）将改按会议规范" in start
    assert client.post("/api/spec", json={"spec": "generic-zuzhi"}, headers=H).status_code == 409
    assert 'data-spec="2024-dangji-zuzhi"' in client.get("/form").text
    client.post("/api/spec", json={"spec": "generic-zuzhi", "replace": True}, headers=H)
    changed = client.get("/form").text
    assert 'data-spec="generic-zuzhi"' in changed and "东山村党支部" in changed and "公务接待把关不严" in changed
    assert "撤销“更换会议规范”" in changed
    client.post("/api/form/undo", headers=H)
    back = client.get("/form").text
    assert 'data-spec="2024-dangji-zuzhi"' in back and 'data-aspect="廉洁纪律"' in back and "公务接待把关不严" in back


def test_a_new_draft_over_an_edited_one_is_refused_unless_asked(app):
    from tests.web.test_web_meeting import wait

    client = clerk(app)
    client.post("/api/profile", files={"file": ("a.yaml", EXAMPLE.read_bytes())}, headers=H)
    assert 'data-ask=""' in client.get("/form").text  # nothing edited yet: not asked
    assert wait(client, client.post("/api/draft", json={}, headers=H).json()["job"])["status"] == "done"
    assert client.post("/api/paragraph", json={"index": 1, "text": "我亲手改过的这一段。"}, headers=H).status_code == 200
    asked = "审改页中的草稿有您的 1 处修改，将被新起草的草稿替换"
    assert asked in client.get("/form").text
    refused = client.post("/api/draft", json={}, headers=H)
    assert refused.status_code == 409 and refused.json()["error"].startswith(asked)
    assert "我亲手改过的这一段" in client.get("/download/md").text
    assert wait(client, client.post("/api/draft", json={"replace": True}, headers=H).json()["job"])["status"] == "done"
    assert "我亲手改过的这一段" not in client.get("/download/md").text
    assert "我亲手改过的这一段" in client.get("/download/kept/md").text


def test_a_page_left_open_from_another_spec_cannot_save_over_the_form(client):
    """Two tabs: one changes the spec; the other, still showing the old spec's form, autosaves: refused, told to reload."""
    client.post("/api/spec", json={"spec": "2024-dangji-zuzhi"}, headers=H)
    old_tab = {"spec": "2024-dangji-zuzhi", "unit_name": "城关镇东山村党支部"}
    assert client.post("/api/form", json=old_tab, headers=H).status_code == 200
    assert client.post("/api/spec", json={"spec": "generic-zuzhi", "replace": True}, headers=H).status_code == 200
    stale = client.post("/api/form", json={**old_tab, "unit_name": "旧页面里的改动"}, headers=H)
    assert stale.status_code == 409 and "刷新" in stale.json()["error"]
    page = client.get("/form").text
    assert "城关镇东山村党支部" in page and "旧页面里的改动" not in page


def test_a_page_left_open_cannot_save_over_what_another_tab_typed_since(client):
    """Two tabs on the same form: each save names the revision its page was shown; the older page is refused."""
    import re

    client.post("/api/spec", json={"spec": "generic-zuzhi"}, headers=H)
    shown = re.search(r'data-revision="(\d+)"', client.get("/form").text).group(1)  # both tabs opened now
    first = client.post("/api/form", json={"spec": "generic-zuzhi", "unit_name": "东山村党支部"},
                        headers={**H, "X-Form-Revision": shown})
    assert first.status_code == 200
    stale = client.post("/api/form", json={"spec": "generic-zuzhi", "talks": "12"}, headers={**H, "X-Form-Revision": shown})
    assert stale.status_code == 409 and "另一个页面修改过" in stale.json()["error"]
    assert "东山村党支部" in client.get("/form").text
    # The tab that saved goes on saving with the revision it was given back.
    again = client.post("/api/form", json={"spec": "generic-zuzhi", "unit_name": "东山村党支部", "talks": "12"},
                        headers={**H, "X-Form-Revision": str(first.json()["revision"])})
    assert again.status_code == 200
