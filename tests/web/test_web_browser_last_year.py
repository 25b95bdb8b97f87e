"""In real headless Chromium, 上年度整改 from last year's Word material: the clerk uploads it, edits one row,
unticks one, confirms (a row she typed about the same problem stays hers: the dialog offers what was read, she
keeps her text), reloads, and drafts offline: the review lists each kept problem in 上年度整改落实情况. A meeting's
ledger and a member's own material go to the rows of whose problems they are; a member's list is shown in her panel."""

from __future__ import annotations

import pytest

from pipeline.export.ledger import ledger_xlsx
from pipeline.material.meeting import group_profile, load_meeting
from pipeline.material.meeting_docs import ledger_header, ledger_title, meeting_ledger_rows
from tests.web.live import CHROMIUM, chromium_page
from tests.web.test_web_browser import server  # noqa: F401 - the fixture: the workbench drafting offline
from tests.web.test_web_last_year import TOWNSHIP, hospital_docx, seed_docx  # noqa: F401 - fixtures: last year in Word

pytestmark = [pytest.mark.slow, pytest.mark.chromium,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium")]


@pytest.fixture
def page(server):
    with chromium_page(server) as page:
        yield page


def test_last_years_material_is_listed_edited_confirmed_kept_and_drafted(page, hospital_docx):  # noqa: F811
    from playwright.sync_api import expect

    page.locator("tr", has_text="generic-zuzhi").get_by_role("button", name="选用").click()
    page.wait_for_url("**/form")
    page.locator("[data-f=unit_name]").fill("县人民医院内科党支部")
    page.locator("#add-last-year").click()
    typed = page.locator("#last-year .ly-row").first
    typed.locator("[data-r=problem]").fill("患者候诊时间长")
    typed.locator("[data-r=measure]").fill("周三上午增开1个诊室")
    typed.locator("[data-r=fixed]").fill("周一上午平均候诊从72分钟降到41分钟")

    page.locator("#ly-material-file").set_input_files(str(hospital_docx))
    page.locator("#ly-material").click()
    found = page.locator("#ly-found .found-row")
    expect(found).to_have_count(4)
    expect(found.nth(1).locator("[data-r=problem]")).to_have_value("落实分级诊疗要求有差距")
    expect(found.nth(1).locator(".ly-source")).to_contain_text(f"来自：上年度材料 {hospital_docx.name}")
    found.nth(1).locator("[data-r=fixed]").fill("全年下沉帮扶48人次")  # the clerk edits one row
    found.nth(1).locator("[data-r=status]").select_option("已完成")
    found.nth(0).locator(".found-keep").uncheck()  # and leaves one out

    dialogs = []

    def keep_mine(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()  # 取消: her typed measure stays

    page.on("dialog", keep_mine)
    page.locator("#ly-confirm").click()
    rows = page.locator("#last-year .ly-row")
    expect(rows).to_have_count(3)
    expect(page.locator("#ly-found")).to_contain_text("已加入 2 条，1 条与已填写的问题相同，已合并")
    assert len(dialogs) == 1 and "周三上午增开1个诊室" in dialogs[0]
    expect(rows.nth(0).locator("[data-r=measure]")).to_have_value("周三上午增开1个诊室")
    expect(rows.nth(0).locator("[data-r=owner]")).to_have_value("门诊护士长、宣传委员")  # empty: filled from the material
    expect(page.locator("#saved")).to_contain_text("已自动保存")

    page.reload()
    rows = page.locator("#last-year .ly-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(1).locator("[data-r=problem]")).to_have_value("落实分级诊疗要求有差距")
    expect(rows.nth(1).locator("[data-r=fixed]")).to_have_value("全年下沉帮扶48人次")
    expect(rows.nth(1).locator("[data-r=status]")).to_have_value("已完成")
    expect(rows.nth(2).locator("[data-r=problem]")).to_have_value("上年度“病历书写不规范”的问题整改不彻底")

    page.locator("#draft").click()
    page.wait_for_url("**/review")
    document = page.locator("article.document")
    expect(document).to_contain_text("上年度组织生活会查摆问题整改落实情况")
    text = document.inner_text()
    part = text[text.index("整改落实情况"):]
    # Each kept problem with the unit's own result; the one without a result has its 【待补】, never an invented one.
    assert "“患者候诊时间长”" in part and "周一上午平均候诊从72分钟降到41分钟" in part
    assert "“落实分级诊疗要求有差距”的问题，已完成整改，全年下沉帮扶48人次" in part
    assert "“上年度‘病历书写不规范’的问题整改不彻底”的问题，上年度确定的整改措施是" in part
    assert part.count("【待补：整改结果】") >= 1
    assert "党员发挥先锋模范作用不够均衡" not in text  # the row she unticked


def test_a_meeting_ledger_and_a_members_own_material_go_to_whose_rows_they_are(page, tmp_path, seed_docx):  # noqa: F811
    from playwright.sync_api import expect

    meeting, spec = load_meeting(TOWNSHIP)
    ledger = tmp_path / "会议整改清单.xlsx"
    ledger.write_bytes(ledger_xlsx(ledger_title(meeting, spec), ledger_header(),
                                   meeting_ledger_rows(meeting, group_profile(meeting, spec, TOWNSHIP), spec)))
    page.locator("tr", has_text="generic-zuzhi").get_by_role("button", name="选用").click()
    page.wait_for_url("**/form")
    page.locator("[data-f=unit_name]").fill("青石镇党委")
    page.locator("#add-member").click()
    page.locator(".member [data-m=name]").fill("刘芳")
    page.locator(".member [data-m=post]").fill("组织委员")

    page.locator("#ly-ledger-file").set_input_files(str(ledger))
    page.locator("#ly-ledger").click()
    found = page.locator("#ly-found .found-row")
    expect(found.first).to_be_visible()
    expect(page.locator("#last-year-panel #ly-found")).to_be_visible()  # the 班子's reading: listed in its section
    others = page.locator("#ly-found .found-row", has_text="表单中没有这位成员")
    assert others.count() > 0 and others.locator(".found-keep:checked").count() == 0  # another member's rows: left out
    group_rows = found.count() - page.locator("#ly-found .found-row[data-who]:not([data-who=''])").count()
    hers = page.locator("#ly-found .found-row[data-who='刘芳']").count()
    page.locator("#ly-confirm").click()
    expect(page.locator("#ly-found")).to_contain_text("已加入")
    expect(page.locator("#last-year .ly-row")).to_have_count(group_rows)
    expect(page.locator(".member .member-last-year .ly-row")).to_have_count(hers)

    page.locator(".member .ly-member-file").set_input_files(str(seed_docx))  # her own last year's material
    page.locator(".member .ly-member-read").click()
    expect(page.locator(".member #ly-found .found-row").first).to_contain_text("成员：刘芳")  # in her panel
    page.locator("#ly-confirm").click()
    expect(page.locator("#ly-found")).to_contain_text("已加入 12 条")
    expect(page.locator(".member .member-last-year .ly-row")).to_have_count(hers + 12)
    expect(page.locator("#last-year .ly-row")).to_have_count(group_rows)
