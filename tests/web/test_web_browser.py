"""End to end in real headless Chromium against a uvicorn server on 127.0.0.1: pick a spec, fill one aspect,
paste three opinions, draft offline, see a finding in place, edit a paragraph and see it re-checked, download
the .docx and open it. The review page's screenshot (1366×768) is kept under test-artifacts/."""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import docx
import pytest

from pipeline.web.app import WebConfig, create_app

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = [pytest.mark.slow, pytest.mark.chromium,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium")]


@pytest.fixture
def server(tmp_path, retriever, monkeypatch):
    import uvicorn

    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path / "cache"))
    app = create_app(WebConfig(data_dir=tmp_path / "data", retriever_factory=lambda: retriever,
                               model_available=lambda: False))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_workbench_in_chromium(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        page.set_default_timeout(60_000)
        page.goto(server + "/")
        page.locator("tr", has_text="2024-dangji-zuzhi").get_by_role("button", name="选用").click()
        page.wait_for_url("**/form")

        page.locator("[data-f=unit_name]").fill("城关镇东山村党支部")
        aspect = page.locator("fieldset[data-aspect=群众纪律]")
        aspect.locator("[data-r=problem]").fill("联系服务群众不够深入")
        aspect.locator("[data-r=facts]").fill("人居环境整治中有3户村民反映的诉求超过一周未回复")
        aspect.locator("[data-r=owner]").fill("李明")
        aspect.locator("[data-r=deadline]").fill("2025年3月底前")
        expect(page.locator("#saved")).to_contain_text("已自动保存")
        page.reload()  # the draft in progress survives a reload
        expect(page.locator("fieldset[data-aspect=群众纪律] [data-r=problem]")).to_have_value("联系服务群众不够深入")

        page.locator("#opinions-text").fill("村民诉求回复不及时，群众反映的问题久拖不办\n"
                                            "三会一课有时走过场，组织生活不够严肃\n执法文书不规范，工作标准不高")
        page.locator("#opinions-assign").click()
        proposals = page.locator("#opinions-result li")
        expect(proposals).to_have_count(3)
        assert proposals.nth(0).locator("select").input_value() == "群众纪律"
        proposals.nth(2).locator("select").select_option("工作纪律")  # the user moves one
        page.locator("#opinions-confirm").click()
        expect(page.locator("fieldset[data-aspect=工作纪律] [data-r=problem]").first).to_have_value("执法文书不规范，工作标准不高")

        page.locator("#draft").click()
        expect(page.locator("#progress li").first).to_be_visible()
        page.wait_for_url("**/review")

        flagged = page.locator(".para.flag-warning, .para.flag-error")
        assert flagged.count() >= 1
        placeholder = page.locator(".para.flag-warning, .para.flag-error", has_text="【待补").first
        expect(placeholder).to_be_visible()
        index = placeholder.get_attribute("data-index")
        expect(page.locator(f"#p{index} + .notes")).to_contain_text("【待补")
        placeholder.hover()
        placeholder.locator("button.edit").click()
        page.locator(f"#p{index} textarea").fill("生活作风方面要求不严。比如，今年3月有1名支委在工作日午间饮酒，被镇纪委约谈。")
        page.locator(f"#p{index} button.save").click()
        edited = page.locator(f"#p{index}")
        expect(edited.locator(".text")).to_have_text("生活作风方面要求不严。比如，今年3月有1名支委在工作日午间饮酒，被镇纪委约谈。")
        expect(edited).to_have_class(re.compile(r"\bjust-saved\b"))  # re-checked and shown again
        notes = page.locator(f"#p{index} + .notes")
        assert notes.count() == 0 or "【待补" not in notes.inner_text()

        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(".para.flag-warning, .para.flag-error").first.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "web-review-1366x768.png"))

        with page.expect_download() as download_info:
            page.get_by_role("link", name="下载 Word（.docx）").click()
        download = download_info.value
        assert download.suggested_filename == "城关镇东山村党支部.docx"
        target = tmp_path / "draft.docx"
        download.save_as(target)
        browser.close()
    text = "\n".join(p.text for p in docx.Document(str(target)).paragraphs)
    assert "城关镇东山村党支部" in text and "工作日午间饮酒" in text and "3户村民反映的诉求超过一周未回复" in text


def test_meeting_members_in_chromium(server, tmp_path):
    """A whole meeting typed into the page: two members, each criticising the other (boxes follow the names,
    a rename keeps what was written), autosaved across a reload, drafted offline into every material."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        page.set_default_timeout(60_000)
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(server + "/")
        page.locator("tr", has_text="generic-zuzhi").get_by_role("button", name="选用").click()
        page.wait_for_url("**/form")
        page.locator("[data-f=unit_name]").fill("河西村党支部")
        expect(page.locator("#draft")).to_have_text("起草")

        page.locator("#add-member").click()
        page.locator("#add-member").click()
        page.locator("#add-member").click()
        members = page.locator("#members .member")
        expect(members).to_have_count(3)
        expect(page.locator("#draft")).to_have_text("起草全部会议材料")
        for index, (name, post) in enumerate((("周明", "支部书记"), ("李方", "组织委员"), ("王五", "宣传委员"))):
            members.nth(index).locator("[data-m=name]").fill(name)
            members.nth(index).locator("[data-m=post]").fill(post)
        first = members.nth(0)
        expect(first.locator("label.criticism")).to_have_count(2)
        first.locator("label.criticism", has_text="对 李方").locator("textarea").fill("发展党员谈话不及时，2名积极分子半年没有谈话记录")
        members.nth(1).locator("label.criticism", has_text="对 周明").locator("textarea").fill("开支委会临时通知多，上半年有2次当天才通知")
        # A rename follows into the other members' boxes; what was written stays.
        members.nth(1).locator("[data-m=name]").fill("李芳")
        expect(first.locator("label.criticism", has_text="对 李芳").locator("textarea")).to_have_value(
            "发展党员谈话不及时，2名积极分子半年没有谈话记录")
        members.nth(2).locator(".remove-member").click()  # the confirm dialog is accepted
        expect(members).to_have_count(2)
        expect(first.locator("label.criticism")).to_have_count(1)
        aspect = members.nth(1).locator("fieldset.member-aspect[data-aspect=纪律规矩]")
        aspect.locator(".add-row").click()
        aspect.locator("[data-r=problem]").fill("党费收缴提醒不及时")
        aspect.locator("[data-r=facts]").fill("有5名流动党员党费拖欠3个月")
        expect(page.locator("#saved")).to_contain_text("已自动保存")

        page.reload()  # members, their problems and criticisms survive a reload
        members = page.locator("#members .member")
        expect(members).to_have_count(2)
        expect(members.nth(1).locator("[data-m=name]")).to_have_value("李芳")
        expect(members.nth(0).locator("label.criticism", has_text="对 李芳").locator("textarea")).to_have_value(
            "发展党员谈话不及时，2名积极分子半年没有谈话记录")

        page.locator("#draft").click()
        expect(page.locator("#progress li")).to_have_count(3)  # the 班子's material and each member's
        page.wait_for_url("**/meeting")
        table = page.locator("table.meeting-files")
        expect(table).to_contain_text("个人对照检查材料")
        expect(table).to_contain_text("相互批评意见")
        expect(table).to_contain_text("整改清单（Excel）")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "web-meeting-1366x768.png"), full_page=True)
        with page.expect_download() as download_info:
            page.get_by_role("link", name="全部打包（.zip）").click()
        target = tmp_path / "meeting.zip"
        download_info.value.save_as(target)
        row = table.locator("tr", has_text="个人对照检查材料-李芳")
        row.locator("details.doc-findings summary").click()  # what the check found, under the material
        expect(row.locator("li.finding").first).to_be_visible()
        row.locator("button.review-doc").click()  # opened in the review page with her own facts
        page.wait_for_url("**/review")
        expect(page.locator("article.document")).to_contain_text("有5名流动党员党费拖欠3个月")
        expect(page.get_by_role("link", name="返回会议材料")).to_be_visible()
        browser.close()
    import zipfile

    names = zipfile.ZipFile(target).namelist()
    assert any("李芳" in n and n.endswith(".docx") for n in names) and any(n.endswith(".xlsx") for n in names)
