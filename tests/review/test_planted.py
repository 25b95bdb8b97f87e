"""Each 督导组 defect planted alone into an honest offline draft raises a finding that quotes it; the clean drafts
(班子, personal, criticism sheets) raise no error. Drafts: the fresh hospital profile (no example shares it), the
shipped examples, the township meeting's members."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.evaluate.planted import defects, plant
from pipeline.review.check import CheckOptions, check_file
from pipeline.review.kinds import kind_of
from pipeline.review.reference import load_reference

TOWNSHIP_MEETING = Path(__file__).resolve().parents[2] / "examples" / "meetings" / "township-2025-niandu.yaml"

GENERAL = [code for code, d in defects().items() if not d.get("kinds")]


def _found(tmp_path: Path, markdown: str, code: str, profile_path: Path, profile, name: str = "planted.md",
           unit_names: tuple[str, ...] = ()):
    planted = plant(markdown, code, profile, unit_names)
    assert planted is not None, f"{code} has no place in this draft"
    path = tmp_path / name
    path.write_text(planted.text, encoding="utf-8")
    report = check_file(path, CheckOptions(profile=profile_path))
    return [f for f in report.findings if f.code == code and planted.quote in f.message], report


@pytest.mark.parametrize("code", GENERAL)
def test_each_defect_in_a_fresh_profiles_draft_is_found(tmp_path, fresh_draft, code):
    hits, report = _found(tmp_path, fresh_draft.md.read_text(encoding="utf-8"), code, fresh_draft.profile_path,
                          fresh_draft.profile)
    assert hits, [(f.code, f.message) for f in report.findings]


@pytest.mark.parametrize("code", ["number-unsourced", "identity-mismatch", "generic-problem", "frame-repeated",
                                  "deadline-open", "owner-invented", "problem-excuse", "recurring-problem"])
def test_each_defect_in_an_examples_draft_is_found(tmp_path, offline_drafts, code):
    drafted = offline_drafts["county-2025-niandu"]
    hits, report = _found(tmp_path, drafted.md.read_text(encoding="utf-8"), code, drafted.profile_path,
                          drafted.profile)
    assert hits, [(f.code, f.message) for f in report.findings]


def _member_material(folder: Path, prefix: str) -> Path:
    return sorted(folder.glob(f"{prefix}*.md"))[1]


@pytest.mark.parametrize("code", ["voice-collective", "identity-mismatch", "number-unsourced", "recurring-problem"])
def test_personal_defects_are_found(tmp_path, township_meeting, code):
    path = _member_material(township_meeting, "个人对照检查材料")
    text = path.read_text(encoding="utf-8")
    reference = load_reference(TOWNSHIP_MEETING)
    title = text.splitlines()[0]
    profile = reference.profile_for(kind_of(title), title)
    hits, report = _found(tmp_path, text, code, TOWNSHIP_MEETING, profile, path.name, tuple(reference.unit_names(title)))
    assert hits, [(f.code, f.message) for f in report.findings]


@pytest.mark.parametrize("code", ["criticism-praise", "criticism-vague"])
def test_criticism_defects_are_found(tmp_path, township_meeting, code):
    path = _member_material(township_meeting, "相互批评意见")
    hits, report = _found(tmp_path, path.read_text(encoding="utf-8"), code, TOWNSHIP_MEETING, None, path.name)
    assert hits, [(f.code, f.message) for f in report.findings]


def test_clean_personal_materials_and_criticism_sheets_raise_no_error(township_meeting):
    materials = sorted(township_meeting.glob("个人对照检查材料-*.md")) + sorted(township_meeting.glob("相互批评意见-*.md"))
    assert len(materials) == 14
    for path in materials:
        report = check_file(path, CheckOptions(profile=TOWNSHIP_MEETING))
        errors = [(f.code, f.message) for f in report.findings if f.severity == "error"]
        assert not errors, (path.name, errors)
        assert report.metrics["kind"] == ("相互批评意见" if "批评" in path.name else "个人对照检查材料")
        # Read as what it is: no part of a 对照检查材料 is asked of a criticism sheet.
        assert not any(f.code == "section-missing" for f in report.findings)


def test_clean_drafts_raise_no_error_from_the_new_rules(fresh_draft, offline_drafts):
    new = set(defects()) | {"speaker-mismatch", "deadline-invented"}
    for drafted in [fresh_draft, *offline_drafts.values()]:
        report = check_file(drafted.md, CheckOptions(profile=drafted.profile_path))
        assert not [f for f in report.findings if f.code in new and f.severity == "error"], drafted.md.name


def test_final_makes_a_fact_the_profile_lacks_an_error(tmp_path, fresh_draft):
    planted = plant(fresh_draft.md.read_text(encoding="utf-8"), "number-unsourced", fresh_draft.profile)
    path = tmp_path / "送审稿.md"
    path.write_text(planted.text, encoding="utf-8")
    report = check_file(path, CheckOptions(profile=fresh_draft.profile_path, final=True))
    assert any(f.code == "number-unsourced" and f.severity == "error" and planted.quote in f.message
               for f in report.findings)


def test_the_matcher_keeps_the_units_own_measure_and_flags_an_unrelated_one(tmp_path, fresh_draft):
    matcher = ("measure-unmatched", "problem-unanswered")
    clean = check_file(fresh_draft.md, CheckOptions(profile=fresh_draft.profile_path))
    assert not [f.message for f in clean.findings if f.code in matcher]
    text = fresh_draft.md.read_text(encoding="utf-8")
    own = "实行医药代表来访预约登记，对3个科室负责人逐一约谈"
    assert own in text
    path = tmp_path / "换了措施.md"
    path.write_text(text.replace(own, "开展“警示教育月”活动，组织全体党员观看警示教育片"), encoding="utf-8")
    report = check_file(path, CheckOptions(profile=fresh_draft.profile_path))
    assert any(f.code in matcher and "敬畏" in f.message for f in report.findings)
