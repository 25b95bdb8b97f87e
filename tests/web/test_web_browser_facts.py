"""In real headless Chromium, the meeting's own facts appear with the 班子成员 and what the clerk types is kept."""

from __future__ import annotations

import pytest

from tests.web.live import CHROMIUM
from tests.web.test_web_browser_work import _pick, page, server  # noqa: F401 — the fixtures

pytestmark = [pytest.mark.slow, pytest.mark.chromium,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium")]


def test_the_typed_date_and_place_survive_a_reload(page):  # noqa: F811
    from playwright.sync_api import expect

    _pick(page, "generic-zuzhi")
    facts = page.locator("#meeting-facts")
    expect(facts).to_be_hidden()  # one unit's material has no meeting facts
    page.locator("[data-f=unit_name]").fill("河西村党支部")
    page.locator("#add-member").click()
    page.locator(".member [data-m=name]").fill("周明")
    page.locator(".member [data-m=post]").fill("支部书记")
    expect(facts).to_be_visible()
    page.locator("[data-fact='session.date']").fill("2026年1月16日下午")
    page.locator("[data-fact='session.place']").fill("河西村村委会二楼会议室")
    page.locator("[data-fact='outcome.decisions']").fill("村道硬化3月底前开工\n\n党费收缴每月提醒")
    expect(page.locator("#saved")).to_contain_text("已自动保存")
    page.reload()
    expect(page.locator("[data-fact='session.date']")).to_have_value("2026年1月16日下午")
    expect(page.locator("[data-fact='session.place']")).to_have_value("河西村村委会二楼会议室")
    expect(page.locator("[data-fact='outcome.decisions']")).to_have_value("村道硬化3月底前开工\n党费收缴每月提醒")
    expect(facts).to_be_visible()
