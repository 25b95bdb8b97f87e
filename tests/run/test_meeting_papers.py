"""The meeting's other documents (会议方案, 征求意见表, 谈心谈话提纲, 主持词, 整改方案, 情况报告): composed from the
meeting file only, numbers the file's own or labelled counts, missing facts left 【待补】, each passing its kind's
check, and the check catching what a reviewer would."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import yaml
from docx import Document as WordDocument

from pipeline.core.errors import InputError
from pipeline.material.document import Point, render
from pipeline.material.meeting import group_profile, load_meeting, meeting_template
from pipeline.material.meeting_docs import meeting_ledger_rows
from pipeline.material.meeting_papers import KINDS, meeting_papers
from pipeline.material.specs import load_spec
from pipeline.review.kinds import kind_of
from pipeline.review.meeting_papers import check_paper
from pipeline.run.meeting_papers import write_papers

ROOT = Path(__file__).resolve().parents[2]
FRESH = sorted((ROOT / "tests" / "fixtures" / "meetings").glob("*.yaml"))
ALL = FRESH + sorted((ROOT / "examples" / "meetings").glob("*.yaml"))
COUNTY = ROOT / "tests" / "fixtures" / "meetings" / "county-bureau-dangzu.yaml"
SCHOOL = ROOT / "tests" / "fixtures" / "meetings" / "school-branch-zuzhi.yaml"
DERIVED = "（据会议文件统计）"


def papers_of(path: Path):
    meeting, spec = load_meeting(path)
    group = group_profile(meeting, spec, path)
    rows = meeting_ledger_rows(meeting, group, spec)
    return meeting, spec, group, rows, meeting_papers(meeting, spec, group, rows)


def texts(paper) -> list[str]:
    """What a reader sees, without numbering markers."""
    doc = paper.document
    out = [doc.title, *doc.signature, *paper.rows]
    for section in doc.sections:
        out += [section.heading, *(p.text for p in section.intro)]
        for item in section.items:
            out += [item.heading, *(p.text for p in item.points)]
    return out


def by_kind(papers, kind):
    return next(p for p in papers if p.kind == kind)


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_every_number_is_the_meetings_own_or_a_labelled_count(path):
    meeting, spec, _, _, papers = papers_of(path)
    assert sorted({p.kind for p in papers}) == sorted(KINDS)
    assert sum(p.kind == "talks" for p in papers) == len(meeting.members)
    source_digits = set(re.findall(r"\d+", path.read_text(encoding="utf-8") + spec.name + spec.theme))
    for paper in papers:
        for text in texts(paper):
            bare = re.sub(rf"\d+[名个对项条]{re.escape(DERIVED)}", "", text)
            for digits in re.findall(r"\d+", bare):
                assert digits in source_digits, (paper.stem, digits, text)


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_each_document_passes_its_kinds_check(path):
    meeting, spec, group, rows, papers = papers_of(path)
    for paper in papers:
        assert kind_of(paper.document.title).id == paper.kind
        findings = check_paper(paper, meeting, spec, group, rows)
        assert [f.message for f in findings if f.severity == "error"] == [], paper.stem
        assert all(f.code == "paper-pending" for f in findings)


def test_the_county_meetings_facts_land_where_a_clerk_expects():
    meeting, _, _, rows, papers = papers_of(COUNTY)
    session, outcome = meeting.session, meeting.outcome
    plan, host, report = (render(by_kind(papers, k).document) for k in ("plan", "host", "report"))
    for text in (plan, host, report):
        assert session.date in text and session.place in text and "周海涛同志" in text
    # The 督导组 is welcomed and asked for its remarks; the absent member is not called on to speak.
    assert host.count(session.supervisor) >= 2 and "黎明同志" in host
    assert "请邓雪同志" not in host and "邓雪（在省里参加培训）请假" in host
    assert "我先作个人对照检查" in host
    # Counts: given ones as written, worked-out ones labelled and right.
    assert f"共提出批评意见{outcome.criticisms}条。" in report
    assert f"应到3名{DERIVED}，实到2名{DERIVED}" in report
    assert f"整改清单{len(rows)}项{DERIVED}" in report
    assert report.splitlines()[2] == "县委组织部、县纪委监委："
    assert all(r in report for r in outcome.remarks) and session.report_due in report
    rectification = render(by_kind(papers, "rectification").document)
    assert all(r.problem in rectification for r in rows)


def test_missing_facts_are_left_to_fill_never_invented():
    meeting, spec, group, rows, papers = papers_of(SCHOOL)
    assert meeting.session is None and meeting.outcome is None
    plan, host, report = (render(by_kind(papers, k).document) for k in ("plan", "host", "report"))
    assert "时间：【待补：会议时间】" in plan and "【待补：主持人姓名】" in host
    assert "请假" not in report and "列席" not in report  # no absence or 列席 the file does not give
    assert "报送" not in report.split("四、")[1]  # no deadline the file does not give
    # The criticisms are counted from the file (two points) and say so.
    assert f"共提出批评意见2条{DERIVED}" in report
    # A 组织生活会: its own words, not a 民主生活会's.
    assert "督导组" not in host and "上级党组织" in host and "支委成员" in host


def test_the_check_catches_what_a_reviewer_would():
    meeting, spec, group, rows, papers = papers_of(COUNTY)

    def codes(paper):
        return {f.code for f in check_paper(paper, meeting, spec, group, rows) if f.severity == "error"}

    report = by_kind(papers, "report").model_copy(deep=True)
    report.document.sections[1].intro.append(Point(text="全局共有99名党员参加，2026年2月3日完成整改。"))
    assert codes(report) == {"paper-number", "paper-date"}
    host = by_kind(papers, "host").model_copy(deep=True)
    host.document.sections[4].intro = [p for p in host.document.sections[4].intro if "罗文" not in p.text]
    host.document.sections[1].intro = [p for p in host.document.sections[1].intro if "罗文" not in p.text]
    assert "paper-member" in codes(host)
    rect = by_kind(papers, "rectification").model_copy(deep=True)
    rect.document.sections[2].items.pop(0)
    rect.document.title = rect.document.title.replace("整改方案", "整改工作")
    assert codes(rect) == {"paper-row", "paper-kind"}
    form = by_kind(papers, "opinions").model_copy(deep=True)
    form.rows = form.rows[:1]
    assert {"paper-aspect", "paper-member"} <= codes(form)


def test_documents_are_written_as_md_and_docx(tmp_path):
    meeting, spec, group, rows, _ = papers_of(COUNTY)
    files: dict[Path, bytes] = {}
    written = write_papers(meeting, spec, group, rows, tmp_path, "gbt9704", files)
    names = sorted(p.name for p in files)
    assert {"会议方案.docx", "征求意见表.docx", "主持词.docx", "整改方案.docx", "情况报告.docx",
            "谈心谈话提纲-周海涛.docx"} <= set(names)
    form = WordDocument(io.BytesIO(files[tmp_path / "征求意见表.docx"]))
    table = form.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["项目", "意见和建议"]
    assert len(table.rows) == 1 + len(by_kind([p for p, *_ in written], "opinions").rows)
    body = [p.text for p in form.paragraphs]
    assert body[0].startswith("临川县水利局党组") and any("交回时间" in t for t in body)
    assert "| 项目 | 意见和建议 |" in files[tmp_path / "征求意见表.md"].decode("utf-8")
    report = WordDocument(io.BytesIO(files[tmp_path / "情况报告.docx"]))
    assert re.sub(r"\s", "", report.paragraphs[0].text) == render(by_kind([p for p, *_ in written], "report").document).splitlines()[0]
    # Deterministic: the same file gives the same text.
    again = meeting_papers(meeting, spec, group, rows)
    assert [render(p.document) for p in again] == [render(p.document) for p, *_ in written]


@pytest.mark.parametrize("change, field", [
    (lambda d: d["session"].update(dat="1月"), "session.dat"),
    (lambda d: d["session"].update(absent=["王五（病假）"]), "session.absent.0"),
    (lambda d: d["session"].update(study_sessions=-1), "session.study_sessions"),
    (lambda d: d["outcome"].update(remarks="一条"), "outcome.remarks"),
], ids=["unknown", "absent-not-member", "negative", "not-a-list"])
def test_bad_meeting_facts_name_the_field(tmp_path, change, field):
    data = yaml.safe_load(COUNTY.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_meeting(path)
    assert field in str(caught.value) and "会议文件" in str(caught.value)


def test_meeting_init_asks_for_the_facts_and_loads_once_filled(tmp_path):
    text = meeting_template(load_spec("2025-niandu-minzhu"))
    assert "session:  # 会议安排" in text and "  supervisor:  # 到会指导的督导组" in text
    assert "outcome:  # 会后填写" in text
    path = tmp_path / "m.yaml"
    path.write_text(text.replace("  place:  #", "  place: 二楼会议室  #"), encoding="utf-8")
    meeting, _ = load_meeting(path)
    assert meeting.session.place == "二楼会议室" and meeting.session.date is None
