"""The check on honest drafts: the shipped examples drafted offline and checked with their profiles, as a clerk
does, draw only warnings that are true (a 【待补】 the user must fill, a draft shorter than the target, a problem
with no measure) — none the draft does not deserve. Each rule that used to fire falsely on them is also shown
still firing where it should."""

from __future__ import annotations

from collections import Counter

import pytest

from pipeline.core.resources import data_dir
from pipeline.material.document import layout
from pipeline.material.load import load_document
from pipeline.material.profile import resolve_spec
from pipeline.review.additions import check_causes_and_measures
from pipeline.review.check import CheckOptions, check_file
from pipeline.review.content import check_length, rendered_text
from pipeline.review.crossdraft import DraftText, cross_check
from pipeline.review.rules import concrete_markers
from pipeline.text.slots import PENDING

SEEDS = sorted(data_dir("corpus").glob("*.txt"))


@pytest.fixture(autouse=True)
def cache_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "duizhao-cache"))
    monkeypatch.delenv("DUIZHAO_STORE_DIR", raising=False)
    monkeypatch.delenv("DUIZHAO_CHROMA_URL", raising=False)


@pytest.fixture(scope="module")
def reports(offline_drafts):
    return {name: check_file(d.md, CheckOptions(profile=d.profile_path)) for name, d in offline_drafts.items()}


def test_honest_drafts_draw_only_true_warnings(reports):
    # Before: 165 warnings on the 11 drafts — 51 measure-restates-fault, 14 problem-unanswered, 13
    # measure-unmatched, 4 redundancy, 3 no-concrete-case, 22 length on 开头导语/结尾 among them, all false.
    for name, report in reports.items():
        codes = Counter(f.code for f in report.findings)
        assert report.ok and not [f for f in report.findings if f.severity == "error"], name
        assert set(codes) <= {"pending", "length", "no-concrete-case", "problem-unanswered"}, (name, codes)
        unanswered = [f.location.split(" › ")[1] for f in report.findings if f.code in ("problem-unanswered", "no-concrete-case")]
        # The branch lists no problem under 生活纪律: the draft asks for one and has no measure for it.
        assert unanswered == (["（六）在生活纪律方面"] * 2 if name == "branch-2025-zuzhi" else []), (name, unanswered)
        short = [f.location for f in report.findings if f.code == "length"]
        assert "全文" in short and not {"开头导语", "结尾"} & set(short), (name, short)  # ~1/3 of the target
        assert all(PENDING in f.message for f in report.findings if f.code == "pending")


def test_the_examples_with_a_pending_prompt_are_those_missing_facts(reports):
    pending = {name: [f.location for f in r.findings if f.code == "pending"] for name, r in reports.items()}
    outside_causes = {name for name, places in pending.items() if any("原因" not in place for place in places)}
    assert outside_causes == {"branch-2025-zuzhi", "county-2025-niandu"}
    # Elsewhere only the roots the meeting expects that the unit left empty ask for the unit's analysis.
    assert all(places for places in pending.values())


# ---- measures that name the problem they answer -------------------------------------------------------------

def test_a_measure_citing_its_problem_does_not_restate_the_fault(offline_drafts):
    # 就“学用结合不够紧密”，每次中心组学习安排一个… cites the problem the measure answers; it was reported as the
    # fault restated (51 times on the 11 drafts).
    for name, drafted in offline_drafts.items():
        document = load_document(drafted.md).document
        assert check_causes_and_measures(document, drafted.profile) == [], name
    # A measure that is the fault itself is still reported.
    drafted = offline_drafts["township-2024-niandu"]
    document = load_document(drafted.md).document
    measures = document.section("measures")
    measures.items[0].points[0].text = "贯彻上级决策部署有时打折扣，由镇长负责。"
    (found,) = check_causes_and_measures(document, drafted.profile)
    assert found.code == "measure-restates-fault" and "贯彻上级决策部署有时打折扣" in found.message


# ---- 【待补】 prompts are duizhao's, not the unit's text ------------------------------------------------------

def test_prompts_of_the_same_form_are_not_repetition(reports, offline_drafts):
    # 【待补：本单位在理想信念方面的原因…】 and 【待补：本单位在理论武装方面的原因…】 were reported as the unit repeating
    # itself (county: 3, branch: 1), as was a measure quoting its problem: “…”的问题，【待补：具体措施…】.
    for name in ("branch-2025-zuzhi", "county-2025-niandu"):
        assert not [f for f in reports[name].findings if f.code == "redundancy"], name


def test_prompts_shared_by_two_drafts_are_not_cross_copy(offline_drafts):
    # Both 2025 examples ask for every cause and measure with the same prompts: the batch summary called the two
    # drafts copied from each other (全文 16 %; measures 42.2 % and 32.6 %, errors). A prompt never reaches the
    # material handed in.
    drafts = []
    for name in ("branch-2025-zuzhi", "county-2025-niandu"):
        drafted = offline_drafts[name]
        spec = resolve_spec(drafted.profile, drafted.profile_path.parent)
        drafts.append(DraftText(drafted.md.name, load_document(drafted.md, spec).document, spec))
    for result in cross_check(drafts):
        where = [f.location for f in result.findings]
        assert not [w for w in where if w == "全文" or "原因" in w or "措施" in w], result.findings
    # Text the two drafts really share is still reported.
    sentence = "社区书记每周带队走访独居老人，逐户登记用电用气隐患，发现问题当天报街道。"
    for draft in drafts:
        draft.document.section("problems").items[0].points[0].text += sentence * 2
    assert all(any(f.code == "cross-copy" for f in result.findings) for result in cross_check(drafts))


# ---- 见人见事: a span of weeks or years is concrete ------------------------------------------------------------

def test_a_span_of_weeks_or_years_is_a_concrete_case(offline_drafts):
    # 支部晚了三周才组织 (branch), 连续两年列入意见清单仍未解决 (school): reported as having no concrete case.
    assert concrete_markers("街道党工委部署的四中全会精神宣讲，支部晚了三周才组织")["number"] == ["三周"]
    assert concrete_markers("青年教师反映的周转宿舍问题，连续两年列入意见清单仍未解决")["number"] == ["两年"]
    # The genre's stock years are not.
    assert concrete_markers("深刻领悟百年党史，新时代十年伟大变革，第二年") == {}


# ---- length: the preamble and the closing frame the material ------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_real_materials_at_their_own_length_are_not_too_short_anywhere(seed):
    # Seeds 001 and 003 were told their preamble is too short (49 and 38 of 100) at their own length.
    document = load_document(seed).document
    blocks = layout(document)
    result = check_length(document, blocks, len(rendered_text(blocks)))
    assert result.findings == []


def test_a_long_preamble_is_still_reported():
    document = load_document(SEEDS[4]).document  # a preamble of 275 characters
    result = check_length(document, layout(document), 900)
    assert "开头导语" in [f.location for f in result.findings]
