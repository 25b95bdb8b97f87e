"""In real headless Chromium, the workbench keeps what the clerk did and says when it is busy: the draft button
stays under the cursor while the autosave label changes, pasted opinions survive a reload, proposing aspects shows
a busy button, confirmed opinions keep their source (征求意见) also when moved to a member's aspect, a step that would replace the filled form or an
edited draft asks first (cancelled, nothing is sent; accepted, it can be undone), a spec from a notice can be
deleted, and an invented session id in the cookie is replaced."""

from __future__ import annotations

import pytest

from tests.web.live import CHROMIUM, chromium_page
from tests.web.test_web_browser import server  # noqa: F401 - the fixture: the workbench drafting offline
from tests.web.test_web_manners import NOTICE

pytestmark = [pytest.mark.slow, pytest.mark.chromium,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium")]


class Dialogs:
    """The page's confirm() dialogs: each answered with the next of `answers` (accepted when none are left), its
    question kept in `asked`."""

    def __init__(self):
        self.answers: list[bool] = []
        self.asked: list[str] = []

    def __call__(self, dialog) -> None:
        self.asked.append(dialog.message)
        dialog.accept() if not self.answers or self.answers.pop(0) else dialog.dismiss()


@pytest.fixture
def page(server):
    with chromium_page(server) as page:
        page.dialogs = Dialogs()
        page.on("dialog", page.dialogs)
        yield page


def _pick(page, spec: str) -> None:
    page.locator("tr", has_text=spec).get_by_role("button", name="选用").click()
    page.wait_for_url("**/form")


def test_the_draft_button_stays_put_and_a_click_right_after_typing_drafts(page):
    from playwright.sync_api import expect

    _pick(page, "2024-dangji-zuzhi")
    button = page.locator("#draft")
    where = button.bounding_box()
    page.locator("[data-f=unit_name]").fill("城关镇东山村党支部")
    expect(page.locator("#saved")).to_have_text("有未保存的修改")
    assert button.bounding_box() == where
    expect(page.locator("#saved")).to_contain_text("已自动保存")
    assert button.bounding_box() == where
    page.locator("[data-f=unit_name]").fill("城关镇东山村党支部委员会")
    button.click()  # at once, while the label still says a change is waiting
    expect(button).to_be_disabled()
    page.wait_for_url("**/review")


def test_pasted_opinions_survive_a_reload_and_proposing_them_shows_busy(page):
    from playwright.sync_api import expect

    _pick(page, "2024-dangji-zuzhi")
    page.locator("#opinions-text").fill("村民诉求回复不及时\n三会一课有时走过场")
    expect(page.locator("#saved")).to_contain_text("已自动保存")
    page.reload()
    expect(page.locator("#opinions-text")).to_have_value("村民诉求回复不及时\n三会一课有时走过场")
    # Record every state the button passes through, however briefly.
    page.evaluate("""() => { window.seen = [];
        const b = document.getElementById('opinions-assign');
        new MutationObserver(() => window.seen.push([b.disabled, b.getAttribute('aria-busy'), b.textContent]))
          .observe(b, {attributes: true, childList: true, characterData: true, subtree: true}); }""")
    page.locator("#opinions-assign").click()
    expect(page.locator("#opinions-result li")).to_have_count(2)
    seen = page.evaluate("window.seen")
    assert any(disabled and busy == "true" and "正在分配" in text for disabled, busy, text in seen), seen
    expect(page.locator("#opinions-assign")).to_be_enabled()
    # One opinion is about a member (named after the proposal): the select offers her aspects after the 班子's.
    page.locator("#add-member").click()
    page.locator(".member [data-m=name]").fill("李芳")
    page.locator(".member [data-m=post]").fill("组织委员")
    page.locator("#opinions-assign").click()
    expect(page.locator("#opinions-result li")).to_have_count(2)
    moved = page.locator("#opinions-result li", has_text="三会一课有时走过场").locator("select")
    expect(moved.locator("optgroup[label=李芳] option").first).to_have_text("李芳 › 政治纪律")
    moved.select_option(label="李芳 › 组织纪律")
    # Confirmed, each opinion is a problem row raised in 征求意见: tagged, and the hidden source survives a reload.
    page.locator("#opinions-confirm").click()
    expect(page.locator("#saved")).to_contain_text("已自动保存")
    page.reload()
    sourced = page.locator("fieldset.aspect .row:has([data-r=source][value=征求意见])")
    expect(sourced).to_have_count(1)
    expect(sourced.locator("[data-r=problem]")).to_have_value("村民诉求回复不及时")
    hers = page.locator(".member fieldset.member-aspect[data-aspect=组织纪律] .row:has([data-r=source][value=征求意见])")
    expect(hers.locator("[data-r=problem]")).to_have_value("三会一课有时走过场")
    page.locator(".member summary").click()
    expect(page.locator(".source-tag:visible")).to_have_count(2)
    # The clerk says one was found by the 班子 itself: the tag goes, and stays gone.
    sourced.first.locator(".drop-source").click()
    expect(page.locator(".source-tag:visible")).to_have_count(1)
    expect(page.locator("#saved")).to_contain_text("已自动保存")
    page.reload()
    expect(page.locator(".row:has([data-r=source][value=征求意见])")).to_have_count(1)
    expect(hers).to_have_count(1)


def _read_notice(page, notice) -> None:
    from playwright.sync_api import expect

    page.goto(page.url.replace("/form", "/"))
    page.locator("#notice-file").set_input_files(str(notice))
    page.locator("#notice-upload").click()
    expect(page.locator("#notice-aspects li")).to_have_count(4)


def test_a_confirmed_notice_asks_keeps_the_form_and_can_be_undone_and_its_spec_deleted(page, server, tmp_path):
    from playwright.sync_api import expect

    # The form is filled elsewhere (another tab) after this page was shown: the server asks instead, and a
    # cancel leaves it as it is.
    api = {"X-Duizhao": "1"}
    page.request.post(server + "/api/spec", data={"spec": "2024-dangji-zuzhi"}, headers=api)
    page.request.post(server + "/api/form", data={"spec": "2024-dangji-zuzhi", "unit_name": "城关镇东山村党支部",
                                                  "aspects": {"政治纪律": [{"problem": "学习条例联系实际不够"}]}},
                      headers=api)
    page.dialogs.answers.append(False)
    with page.expect_response("**/api/spec") as refused:
        page.locator("tr", has_text="generic-zuzhi").get_by_role("button", name="选用").click()
    assert refused.value.status == 409
    expect(page.locator("#message")).to_be_hidden()
    assert page.dialogs.asked[-1].startswith("当前表格已填写的内容（单位名称、1 个问题）将改按会议规范")
    _pick(page, "2024-dangji-zuzhi")
    expect(page.locator("[data-f=unit_name]")).to_have_value("城关镇东山村党支部")
    expect(page.locator("fieldset[data-aspect=政治纪律] [data-r=problem]")).to_have_value("学习条例联系实际不够")
    notice = tmp_path / "通知.txt"
    notice.write_text(NOTICE, encoding="utf-8")
    _read_notice(page, notice)
    assert page.locator("#notice-id").count() == 0  # nothing to invent or type
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url))
    page.dialogs.answers.append(False)  # cancelled: nothing is sent, nothing changes
    page.locator("#notice-confirm").click()
    assert page.dialogs.asked[-1].startswith("当前表格已填写的内容（单位名称、1 个问题）将改按通知生成的会议规范")
    assert page.dialogs.asked[-1].endswith("可以撤销。继续吗？")
    page.goto(server + "/form")
    assert not [url for url in sent if "/api/notice/confirm" in url]
    expect(page.locator("#profile")).to_have_attribute("data-spec", "2024-dangji-zuzhi")
    expect(page.locator("#undo-step")).to_have_count(0)
    _read_notice(page, notice)
    page.locator("#notice-confirm").click()  # accepted this time
    page.wait_for_url("**/form")
    expect(page.locator("#profile")).to_have_attribute("data-spec", "2026-niandu-minzhu")
    expect(page.locator("[data-f=unit_name]")).to_have_value("城关镇东山村党支部")
    expect(page.locator("#undo-step")).to_contain_text("确认会议通知")
    # The page is on /form already: wait for the reload the click starts, not for a URL that matches before it.
    with page.expect_navigation(url="**/form"):
        page.locator("#undo-step").click()
    expect(page.locator("fieldset[data-aspect=政治纪律] [data-r=problem]")).to_have_value("学习条例联系实际不够")
    page.goto(page.url.replace("/form", "/"))
    row = page.locator("tr", has_text="2026-niandu-minzhu")
    row.get_by_role("button", name="删除").click()  # the confirmation dialog is accepted
    expect(page.locator("tr", has_text="2026-niandu-minzhu")).to_have_count(0)
    page.reload()
    expect(page.locator("tr", has_text="2026-niandu-minzhu")).to_have_count(0)


def test_an_edit_in_a_members_material_survives_another_and_reaches_the_zip(page, server, tmp_path):
    import io
    import time
    import zipfile

    import docx
    from playwright.sync_api import expect

    from tests.web.test_web_meeting import TWO, meeting_form

    # The meeting is typed in through the same calls the form page makes, then drafted offline.
    page.request.post(server + "/api/spec", data={"spec": "generic-zuzhi"}, headers={"X-Duizhao": "1"})
    page.request.post(server + "/api/form", data=meeting_form(TWO), headers={"X-Duizhao": "1"})
    job = page.request.post(server + "/api/draft", data={"offline": True}, headers={"X-Duizhao": "1"}).json()["job"]
    for _ in range(3000):
        if page.request.get(f"{server}/api/jobs/{job}").json()["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    page.goto(server + "/meeting")
    table = page.locator("table.meeting-files")
    table.locator("tr", has_text="个人对照检查材料-李芳").locator("button.review-doc").click()
    page.wait_for_url("**/review")
    paragraph = page.locator(".para", has_text="有5名流动党员党费拖欠3个月").first
    index = paragraph.get_attribute("data-index")
    paragraph.hover()
    paragraph.locator("button.edit").click()
    page.locator(f"#p{index} textarea").fill("党费收缴提醒不及时。比如，有5名流动党员党费拖欠3个月，我直到季度末才发现。")
    page.locator(f"#p{index} button.save").click()
    expect(page.locator(f"#p{index} .text")).to_contain_text("我直到季度末才发现")
    page.get_by_role("link", name="返回会议材料").click()
    page.wait_for_url("**/meeting")
    table.locator("tr", has_text="个人对照检查材料-周明").locator("button.review-doc").click()
    page.wait_for_url("**/review")
    expect(page.locator("article.document")).not_to_contain_text("我直到季度末才发现")
    page.get_by_role("link", name="返回会议材料").click()
    table.locator("tr", has_text="个人对照检查材料-李芳").locator("button.review-doc").click()
    page.wait_for_url("**/review")
    expect(page.locator("article.document")).to_contain_text("我直到季度末才发现")
    page.get_by_role("link", name="返回会议材料").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="全部打包（.zip）").click()
    target = tmp_path / "meeting.zip"
    download_info.value.save_as(target)
    archive = zipfile.ZipFile(target)
    hers = next(n for n in archive.namelist() if "李芳" in n and "个人" in n and n.endswith(".docx"))
    assert any("我直到季度末才发现" in p.text for p in docx.Document(io.BytesIO(archive.read(hers))).paragraphs)


def test_an_upload_shows_it_is_being_read(page, tmp_path):
    text = tmp_path / "材料.txt"
    text.write_text("关于2024年度组织生活会的对照检查材料\n一、存在的问题\n学习不够深入，全年集中学习仅3次。\n", encoding="utf-8")
    states: list[str] = []
    page.on("console", lambda message: states.append(message.text))
    page.evaluate("""() => { const b = document.getElementById('material-upload');
        new MutationObserver(() => console.log([b.disabled, b.getAttribute('aria-busy'), b.textContent].join('|')))
          .observe(b, {attributes: true, childList: true, subtree: true}); }""")
    page.locator("#material-file").set_input_files(str(text))
    page.locator("#material-upload").click()
    page.wait_for_url("**/review")
    assert any(s.startswith("true|true|正在读取") for s in states), states


def test_a_new_draft_over_an_edited_one_asks_and_the_edited_one_comes_back(page, server, tmp_path):
    import docx
    from playwright.sync_api import expect

    _pick(page, "2024-dangji-zuzhi")
    page.locator("[data-f=unit_name]").fill("城关镇东山村党支部")
    page.locator("fieldset[data-aspect=政治纪律] [data-r=problem]").fill("学习条例联系实际不够")
    page.locator("#draft").click()
    page.wait_for_url("**/review")
    paragraph = page.locator(".para", has_text="学习条例联系实际不够").first
    index = paragraph.get_attribute("data-index")
    paragraph.hover()
    paragraph.locator("button.edit").click()
    page.locator(f"#p{index} textarea").fill("学习条例联系实际不够。比如，全年集中学习仅3次，我亲手改过这一段。")
    page.locator(f"#p{index} button.save").click()
    expect(page.locator(f"#p{index} .text")).to_contain_text("我亲手改过这一段")
    page.goto(server + "/form")
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url))
    page.dialogs.answers.append(False)
    page.locator("#draft").click()
    assert "审改页中的草稿有您的 1 处修改，将被新起草的草稿替换" in page.dialogs.asked[-1]
    expect(page.locator("#draft")).to_be_enabled()
    page.goto(server + "/review")
    assert not [url for url in sent if url.endswith("/api/draft")]
    expect(page.locator("article.document")).to_contain_text("我亲手改过这一段")
    page.goto(server + "/form")
    page.locator("#draft").click()  # accepted: drafted anew, the edited draft kept aside
    page.wait_for_url("**/review")
    expect(page.locator("article.document")).not_to_contain_text("我亲手改过这一段")
    with page.expect_download() as download_info:  # the edited draft, as it was, without undoing
        page.locator("#kept-docx").click()
    kept = tmp_path / "kept.docx"
    download_info.value.save_as(kept)
    assert any("我亲手改过这一段" in p.text for p in docx.Document(str(kept)).paragraphs)
    with page.expect_navigation(url="**/review"):
        page.locator("#undo-draft").click()
    expect(page.locator("article.document")).to_contain_text("我亲手改过这一段")


def test_typing_during_a_save_is_not_reported_saved_and_survives_a_reload(page):
    from playwright.sync_api import expect

    _pick(page, "2024-dangji-zuzhi")
    held = []
    page.route("**/api/form", lambda route: held.append(route) if not held else route.continue_())
    page.locator("[data-f=unit_name]").fill("城关镇东山村党支部")
    expect(page.locator("#saved")).to_have_text("保存中…")  # the first save is on its way, and held there
    page.locator("fieldset[data-aspect=政治纪律] [data-r=problem]").fill("学习条例联系实际不够")
    held[0].continue_()
    # The first save's answer must not claim the second change is saved; the second save follows it.
    expect(page.locator("#saved")).to_contain_text("已自动保存")
    page.reload()
    expect(page.locator("[data-f=unit_name]")).to_have_value("城关镇东山村党支部")
    expect(page.locator("fieldset[data-aspect=政治纪律] [data-r=problem]")).to_have_value("学习条例联系实际不够")


def test_a_download_shows_it_is_working_and_a_refusal_is_a_message_not_a_raw_page(page):
    from playwright.sync_api import expect

    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(page.url)  # the start page again, now with the console listened to
    _pick(page, "2024-dangji-zuzhi")
    page.locator("[data-f=unit_name]").fill("城关镇东山村党支部")
    page.locator("#draft").click()
    page.wait_for_url("**/review")
    zip_link = page.locator("a[href='/download/zip']")
    # Record every busy state the link passes through, however briefly (a fast machine makes the archive quickly).
    page.evaluate("""() => { window.busySeen = [];
        const a = document.querySelector("a[href='/download/zip']");
        new MutationObserver(() => window.busySeen.push(a.getAttribute('aria-busy')))
          .observe(a, {attributes: true}); }""")
    with page.expect_download() as download:
        zip_link.click()
    assert download.value.suggested_filename == "城关镇东山村党支部.zip"
    expect(zip_link).not_to_have_attribute("aria-busy", "true")
    assert "true" in page.evaluate("window.busySeen")  # it said it was working while the archive was made
    # A file the server no longer has (another tab redrafted): the page stays, the clerk reads why.
    page.evaluate("document.querySelector(\"a[href='/download/md']\").setAttribute('href', '/meeting/files/99')")
    page.locator("a[href='/meeting/files/99']").click()
    expect(page.locator("#message")).to_be_visible()
    assert page.url.endswith("/review") and "{" not in page.locator("#message").inner_text()
    assert len(errors) == 1 and "404" in errors[0]  # only the refused file: no script error, no missing icon


def test_a_second_tab_left_open_cannot_autosave_over_the_first(page):
    from playwright.sync_api import expect

    _pick(page, "generic-zuzhi")
    with page.context.expect_page() as opened:  # the same form in a second tab
        page.evaluate("window.open(location.href)")
    other = opened.value
    other.wait_for_load_state()
    page.locator("[data-f=unit_name]").fill("城关镇东山村党支部")
    expect(page.locator("#saved")).to_contain_text("已自动保存")
    other.locator("[data-f=talks]").fill("12")
    expect(other.locator("#saved")).to_contain_text("另一个页面修改过")
    page.reload()
    expect(page.locator("[data-f=unit_name]")).to_have_value("城关镇东山村党支部")
