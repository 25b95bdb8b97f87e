"""End to end in real headless Chromium against a uvicorn server on 127.0.0.1: pick a spec, fill one aspect,
paste three opinions, draft offline, see a finding in place, edit a paragraph and see it re-checked, download
the .docx and open it. The review page's screenshot (1366×768) is kept under test-artifacts/."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest

from tests.web.live import CHROMIUM, chromium_page, offline_workbench

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [pytest.mark.slow, pytest.mark.chromium,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium")]


@pytest.fixture
def server(tmp_path, retriever, monkeypatch):
    with offline_workbench(tmp_path, retriever, monkeypatch) as base:
        yield base


def test_workbench_in_chromium(server, tmp_path):
    from playwright.sync_api import expect

    with chromium_page(server, accept_downloads=True) as page:
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
    text = "\n".join(p.text for p in docx.Document(str(target)).paragraphs)
    assert "城关镇东山村党支部" in text and "工作日午间饮酒" in text and "3户村民反映的诉求超过一周未回复" in text


def test_meeting_members_in_chromium(server, tmp_path):
    """A whole meeting typed into the page: two members, each criticising the other (boxes follow the names,
    a rename keeps what was written), autosaved across a reload, drafted offline into every material."""
    from playwright.sync_api import expect

    with chromium_page(server, accept_downloads=True) as page:
        page.on("dialog", lambda dialog: dialog.accept())
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
    import zipfile

    names = zipfile.ZipFile(target).namelist()
    assert any("李芳" in n and n.endswith(".docx") for n in names) and any(n.endswith(".xlsx") for n in names)


def test_form_warns_while_typing_and_meters_each_part(server, tmp_path):
    """The reviewer's warnings appear under the field being typed and go once it is fixed; the meter names the
    roots still missing; the new fields (表现, 影响, root, 对照查摆) survive a reload and reach the YAML."""
    from playwright.sync_api import expect

    with chromium_page(server, accept_downloads=True) as page:
        page.locator("tr", has_text="2025-niandu-minzhu").get_by_role("button", name="选用").click()
        page.wait_for_url("**/form")
        page.locator("[data-f=unit_name]").fill("临河县水利局领导班子")
        meter = page.locator("#meter")
        expect(meter.locator("[data-part=causes]")).to_have_text("原因分析：缺 理想信念、党性修养、宗旨意识、担当精神 四个方面")

        aspect = page.locator("fieldset.aspect").first
        aspect.locator("[data-r=problem]").fill("理论学习不够深入")
        problem_warning = aspect.locator("[data-r=problem]").locator("xpath=..").locator(".warn")
        expect(problem_warning).to_contain_text("万能问题")
        expect(problem_warning).to_contain_text("没有事实")
        aspect.locator("[data-r=facts]").fill("5次中心组学习中有3次只读文件、没有安排研讨发言")
        expect(problem_warning).to_have_count(0)  # the fact given, the warning goes

        aspect.locator("[data-r=deadline]").fill("长期坚持")
        expect(aspect.locator("[data-r=deadline]").locator("xpath=..").locator(".warn")).to_contain_text("不是完成时限")
        aspect.locator("[data-r=detail]").fill("中心组学习只读文件，不联系水利工作")
        aspect.locator("[data-r=impact]").fill("学习成果没有转化为工作举措")
        aspect.locator("[data-r=cause]").fill("对理论学习指导实践的作用认识不足")
        aspect.locator("[data-r=root]").select_option("党性修养")
        page.locator("[data-cause-note=理想信念]").fill("对水资源刚性约束是政治任务的认识不深")
        expect(meter.locator("[data-part=causes]")).to_have_text("原因分析：缺 宗旨意识、担当精神 两个方面")
        page.locator("[data-c=gaps]").fill("局领导班子对工程招投标廉政风险点排查不细")
        expect(page.locator("#saved")).to_contain_text("已自动保存")

        page.reload()
        aspect = page.locator("fieldset.aspect").first
        expect(aspect.locator("[data-r=root]")).to_have_value("党性修养")
        expect(aspect.locator("[data-r=impact]")).to_have_value("学习成果没有转化为工作举措")
        expect(page.locator("[data-c=gaps]")).to_have_value("局领导班子对工程招投标廉政风险点排查不细")
        expect(page.locator("#meter [data-part=causes]")).to_have_text("原因分析：缺 宗旨意识、担当精神 两个方面")
        with page.expect_download() as download:
            page.locator("#yaml-download").click()
        text = Path(download.value.path()).read_text(encoding="utf-8")
        for expected in ("detail: 中心组学习只读文件，不联系水利工作", "impact: 学习成果没有转化为工作举措", "root: 党性修养",
                         "理想信念: 对水资源刚性约束是政治任务的认识不深", "局领导班子对工程招投标廉政风险点排查不细"):
            assert expected in text, expected
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "form-warnings.png"), full_page=False)


def test_member_fields_warn_while_typing_and_meter_their_causes(server):
    """A member's problem fields get the same warnings as the 班子's, and the meter has a line for its 剖析."""
    from playwright.sync_api import expect

    with chromium_page(server) as page:
        page.locator("tr", has_text="2025-niandu-minzhu").get_by_role("button", name="选用").click()
        page.wait_for_url("**/form")
        page.locator("#add-member").click()
        member = page.locator(".member").first
        member.locator("[data-m=name]").fill("王志强")
        aspect = member.locator("fieldset.member-aspect").first
        aspect.locator(".add-row").click()
        aspect.locator("[data-r=problem]").fill("理论学习不够深入")
        problem_warning = aspect.locator("[data-r=problem]").locator("xpath=..").locator(".warn")
        expect(problem_warning).to_contain_text("万能问题")
        expect(page.locator("fieldset.aspect .warn")).to_have_count(0)  # the 班子's own fields are untouched
        aspect.locator("[data-r=facts]").fill("今年参加的6次集中学习中有4次没有写心得")
        expect(problem_warning).to_have_count(0)
        aspect.locator("[data-r=deadline]").fill("长期坚持")
        expect(aspect.locator("[data-r=deadline]").locator("xpath=..").locator(".warn")).to_contain_text("不是完成时限")
        meter_line = page.locator("#meter [data-part=member-causes]")
        expect(meter_line).to_have_text("王志强 原因分析：缺 理想信念、党性修养、宗旨意识、担当精神 四个方面")
        member.locator("[data-mc=理想信念]").fill("对理论武装的重要性认识不深")
        member.locator("[data-mc=党性修养]").fill("受客观条件限制，工作忙")
        expect(member.locator("[data-mc=党性修养]").locator("xpath=..").locator(".warn")).to_be_visible()
        expect(meter_line).to_have_text("王志强 原因分析：缺 宗旨意识、担当精神 两个方面")
        expect(page.locator("#meter [data-part=causes]")).to_contain_text("四个方面")  # the 班子's line stays its own


def test_unsupported_sentences_kept_and_deleted_in_chromium(server, tmp_path):
    """A draft .md with two sentences its unit never gave: both coloured on the review page; one is kept (本单位确认),
    the other deleted, and the Word file then has neither highlight."""
    from playwright.sync_api import expect

    kept, dropped = "班子成员与分管科室负责人之间开展谈心谈话不够经常。", "政绩观存在偏差，碍于情面不愿较真碰硬。"
    material = tmp_path / "草稿.md"
    material.write_text("# 某局领导班子对照检查材料\n\n## 一、存在的问题\n\n### （一）在理论学习方面\n\n"
                        f"学习四中全会精神联系水利工作不紧，5次中心组学习中有3次只读文件。〖无依据：{kept}〗\n\n"
                        f"### （二）在作风方面\n\n回应群众供水诉求不够及时。〖无依据：{dropped}〗\n", encoding="utf-8")
    with chromium_page(server, accept_downloads=True) as page:
        page.locator("#material-file").set_input_files(str(material))
        page.locator("#material-upload").click()
        page.wait_for_url("**/review")
        expect(page.locator(".unsourced-row")).to_have_count(2)
        marked = page.locator(".para .m-unsourced")
        assert marked.first.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 199, 224)"
        assert kept in "".join(marked.all_inner_texts())
        page.locator(".unsourced-row", has_text=kept).get_by_role("button", name="保留（本单位确认）").click()
        expect(page.locator(".unsourced-row")).to_have_count(1)
        expect(page.locator(".para", has_text=kept)).to_have_count(1)  # kept, now the unit's own
        assert kept not in "".join(page.locator(".para .m-unsourced").all_inner_texts())
        page.locator(".unsourced-row", has_text=dropped).get_by_role("button", name="删除").click()
        expect(page.locator(".unsourced-row")).to_have_count(0)
        expect(page.locator("article.document")).not_to_contain_text("政绩观")
        with page.expect_download() as waiting:
            page.get_by_role("link", name="下载 Word（.docx）").click()
        saved = tmp_path / "定稿.docx"
        waiting.value.save_as(saved)
    word = docx.Document(str(saved))
    text = "\n".join(p.text for p in word.paragraphs)
    assert kept in text and "政绩观" not in text
    assert not [r for p in word.paragraphs for r in p.runs if r.font.highlight_color is not None]
