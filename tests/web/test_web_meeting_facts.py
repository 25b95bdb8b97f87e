"""The meeting's own facts typed into the workbench form: they round-trip form → YAML → meeting file → form,
a wrong one gets the CLI's message, and the meeting's documents are drafted from what was typed."""

from __future__ import annotations

import io
import zipfile

import pytest
import yaml

from pipeline.core.errors import InputError
from pipeline.material.meeting import parse_meeting
from pipeline.web.forms import FormState
from pipeline.web.meeting_forms import checked_meeting, from_meeting
from tests.web.test_web_meeting import TWO, H, client, downloaded_meeting, meeting_form, wait  # noqa: F401

SESSION = {"notice": "", "theme": "", "date": "2026年1月16日下午", "place": "河西村村委会二楼会议室", "chair": "周明",
           "attendees": [], "absent": ["李芳（在县里参加培训）"], "observers": ["驻村第一书记王磊"],
           "supervisor": "镇党委第三督导组", "supervisor_people": ["组长陈刚同志"], "study_sessions": "4",
           "opinion_channels": ["召开村民代表座谈会", "入户走访"], "opinion_forms": "", "opinion_due": "",
           "report_to": "镇党委组织办", "report_due": "2026年1月23日", "plan_date": "2026年1月6日"}
OUTCOME = {"criticisms": "6", "opinions": "9", "remarks": ["批评意见直指问题"], "summary": ["会后十天内形成整改清单"],
           "decisions": ["村道硬化3月底前开工"], "report_date": "2026年1月19日"}


def typed(**facts) -> FormState:
    return FormState.model_validate(meeting_form(TWO) | {"session": SESSION, "outcome": OUTCOME} | facts)


def test_the_typed_facts_round_trip_through_the_meeting_file():
    state = typed()
    meeting, _, text = checked_meeting(state)
    again = parse_meeting(yaml.safe_load(text))
    assert again.session.place == "河西村村委会二楼会议室" and again.session.study_sessions == 4
    assert again.outcome.decisions == ["村道硬化3月底前开工"]
    back = from_meeting(again)
    assert back.session == SESSION and back.outcome == OUTCOME


def test_empty_facts_leave_no_session_and_blank_lines_are_dropped():
    blank = typed(session={key: ([] if isinstance(v, list) else "  ") for key, v in SESSION.items()},
                  outcome={"remarks": ["", "  要抓好整改 "]})
    meeting, _, text = checked_meeting(blank)
    assert meeting.session is None and "session" not in yaml.safe_load(text)
    assert meeting.outcome.remarks == ["要抓好整改"]


@pytest.mark.parametrize("part, key, value, message", [
    ("session", "study_sessions", "四次", "字段 session.study_sessions 有误：应为整数"),
    ("outcome", "opinions", "-2", "字段 outcome.opinions 有误：应不小于 0"),
    ("session", "absent", ["张三（出差）"], "字段 session.absent.0 有误：“张三”不是本次会议的成员"),
])
def test_a_wrong_fact_gets_the_cli_message(part, key, value, message, tmp_path):
    state = typed(**{part: {**(SESSION if part == "session" else OUTCOME), key: value}})
    with pytest.raises(InputError, match=message):
        checked_meeting(state)
    # The same fact in a meeting file read by the CLI's loader says the same.
    from pipeline.run.inputs import checked_meeting_data
    from pipeline.web.meeting_forms import meeting_data
    data = meeting_data(typed())
    data[part][key] = int(value) if str(value).lstrip("-").isdigit() else value
    with pytest.raises(InputError, match=message):
        checked_meeting_data(data, "会议.yaml")


@pytest.mark.slow
def test_a_meeting_drafted_from_the_form_uses_the_typed_date_and_place(client, tmp_path):  # noqa: F811
    assert client.post("/api/spec", json={"spec": "generic-zuzhi"}, headers=H).status_code == 200
    state = meeting_form(TWO) | {"session": SESSION, "outcome": OUTCOME}
    assert client.post("/api/form", json=state, headers=H).status_code == 200
    page = client.get("/form").text
    assert 'value="河西村村委会二楼会议室"' in page and "镇党委第三督导组" in page
    meeting, _ = downloaded_meeting(client, tmp_path)
    assert meeting.session.date == "2026年1月16日下午" and meeting.outcome.criticisms == 6
    started = client.post("/api/draft", json={"offline": True}, headers=H).json()
    status = wait(client, started["job"])
    assert status["status"] == "done", status["message"]
    archive = zipfile.ZipFile(io.BytesIO(client.get("/meeting/all.zip").content))
    plan = archive.read("会议方案.md").decode("utf-8")
    assert "2026年1月16日下午" in plan and "河西村村委会二楼会议室" in plan
    report = archive.read("情况报告.md").decode("utf-8")
    assert "共提出批评意见6条" in report


def test_a_form_saved_with_the_facts_among_its_extras_shows_them_as_inputs():
    old = FormState.model_validate(meeting_form(TWO) | {"extra": {"session": {"date": "2026年1月16日下午",
                                                                              "study_sessions": 4, "absent": ["李芳（培训）"]},
                                                                  "signature_note": "x"}})
    assert old.session["date"] == "2026年1月16日下午" and old.session["study_sessions"] == "4"
    assert "session" not in old.extra and old.extra["signature_note"] == "x"
