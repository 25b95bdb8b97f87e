"""Reading a meeting notice into a spec: the exact aspect list in order, from notices, 范文 and a .docx."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core.errors import InputError
from pipeline.core.resources import data_dir
from pipeline.material.notice import clean_item, find_aspects, read_notice
from pipeline.material.notice_spec import new_spec, spec_from_notice
from pipeline.material.scrub import scrub
from pipeline.material.specs import load_spec, match_aspect, user_spec_path

NOTICES = Path(__file__).resolve().parents[1] / "fixtures" / "notices"
CORPUS = data_dir("corpus")


def seed(prefix: str) -> str:
    [path] = CORPUS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def notice(name: str) -> str:
    return (NOTICES / name).read_text(encoding="utf-8")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("DUIZHAO_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_2025_notice_gives_the_five_aspects_not_the_briefings_or_preparation():
    reading = read_notice(notice("notice-2025-minzhu.txt"))
    assert reading.aspects == load_spec("2025-niandu-minzhu").aspect_names()
    assert reading.meeting == "民主生活会" and reading.year == 2025
    assert reading.theme == load_spec("2025-niandu-minzhu").theme
    # The three briefings become parts (their headings verbatim), and the case study is asked for.
    assert reading.parts == {"last_year": "2024年度民主生活会整改落实情况",
                             "campaign": "深入贯彻中央八项规定精神学习教育整改整治情况", "case_study": ""}
    assert reading.opinions


def test_2024_notice_with_inline_yishi_list_and_a_preparation_list_before_it():
    reading = read_notice(notice("notice-2024-minzhu.txt"))
    assert reading.aspects == load_spec("2024-niandu-minzhu").aspect_names()
    assert reading.year == 2024 and reading.name == "2024年度民主生活会"
    assert reading.theme.startswith("深入学习贯彻习近平新时代中国特色社会主义思想")
    assert reading.parts == {"last_year": "2023年度民主生活会整改落实情况"}


def test_seed_000_behind_a_paywall_marker():
    # Its （一） sits after ##paidbegin## on the same line: read once the marker is scrubbed.
    assert read_notice(seed("000")).aspects == ["思想认识", "慢作为、不作为、乱作为", "守纪律讲规矩强担当"]


def test_seed_001_problem_headings_give_the_six_aspects():
    # The preamble names only "六个方面"; the list is the problems' headings (在理论学习方面).
    assert read_notice(seed("001")).aspects == load_spec("2023-zhuti-minzhu").aspect_names()


def test_seed_003_four_comparisons_verbatim():
    reading = read_notice(seed("003"))
    assert reading.aspects == ["对照履行党章规定的职责任务", "对照上级部署要求",
                               "对照党史学习教育、队伍教育整顿及上年度组织生活等问题整改情况", "对照人民群众的新期待"]
    # The seed's own wording (…组织生活等问题…) still names the built-in spec's aspects, in order.
    spec = load_spec("2021-dangshi-zuzhi")
    assert [match_aspect(a, spec) for a in reading.aspects] == spec.aspect_names()


def test_seed_004_preamble_lists_its_eight_aspects_inline():
    preamble = "\n".join(seed("004").split("\n")[:3])
    assert "（一）" not in preamble
    expected = load_spec("suqing-liudu-zuzhi").aspect_names()
    assert read_notice(preamble).aspects == expected
    assert read_notice(seed("004")).aspects == expected


def test_every_aspect_occurs_verbatim_in_the_scrubbed_input():
    for text in (notice("notice-2025-minzhu.txt"), notice("notice-2024-minzhu.txt"), seed("001"), seed("003")):
        cleaned = scrub(text)[0]
        assert all(aspect in cleaned for aspect in read_notice(text).aspects)


def test_no_aspect_list_is_a_clear_input_error():
    with pytest.raises(InputError, match="没有在 防汛.txt 中找到会议规定的方面清单"):
        read_notice(notice("notice-no-aspects.txt"), "防汛.txt")
    assert find_aspects(scrub(notice("notice-no-aspects.txt"))[0]) is None


def test_clean_item_keeps_the_name_and_drops_the_explanation():
    assert clean_item("在理论学习方面。一是理论学习不深不透。") == ("理论学习", "在理论学习方面")
    assert clean_item("对照人民群众的新期待，全面查找在发挥政治功能方面存在的问题。")[0] == "对照人民群众的新期待"
    assert clean_item("带头严守政治纪律和政治规矩，维护党的团结统一；")[0] == "带头严守政治纪律和政治规矩，维护党的团结统一"
    assert clean_item("带头干事创业、担当作为，重点对照检查树立和践行正确政绩观")[0] == "带头干事创业、担当作为"
    assert clean_item("“四风”问题是否整改方面。尽管……")[0] == "“四风”问题是否整改"


def test_model_proposal_is_used_only_when_every_aspect_is_verbatim():
    text = notice("notice-2024-minzhu.txt")
    offline = read_notice(text).aspects
    # One aspect reworded by the model: the whole proposal is dropped.
    reworded = [*offline[:3], "带头履行全面从严治党的政治责任"]
    reading = read_notice(text, propose=lambda _: reworded)
    assert reading.aspects == offline and reading.kind == "offline"
    # A verbatim proposal is taken (here: the four without their leading 带头, all in the text).
    trimmed = [a.removeprefix("带头") for a in offline]
    reading = read_notice(text, propose=lambda _: trimmed)
    assert reading.aspects == trimmed and reading.kind == "model"
    assert "大模型" in spec_from_notice(reading, "x-model", "n.txt").source
    # A proposal of nothing leaves the offline reading.
    assert read_notice(text, propose=lambda _: []).aspects == offline


def test_new_spec_is_saved_unconfirmed_in_the_user_folder_and_found_by_id(home):
    spec, path = new_spec(NOTICES / "notice-2025-minzhu.txt", "2026-test-minzhu")
    assert path == user_spec_path("2026-test-minzhu") and path.parent == home / "specs"
    assert spec.status == "unconfirmed" and "notice-2025-minzhu.txt" in spec.source
    loaded = load_spec("2026-test-minzhu")
    assert loaded == spec
    assert [p.role for p in loaded.skeleton] == ["preamble", "last_year", "campaign", "problems", "case_study",
                                                 "causes", "measures", "closing"]
    assert [s.heading for s in loaded.part("case_study").subparts] == ["案例原因剖析", "对照案例查摆自身差距"]


def test_new_spec_from_a_docx_notice(home, tmp_path):
    import docx

    document = docx.Document()
    for line in notice("notice-2024-minzhu.txt").split("\n"):
        if line.strip():
            document.add_paragraph(line)
    path = tmp_path / "通知.docx"
    document.save(str(path))
    spec, _ = new_spec(path)
    assert spec.aspect_names() == load_spec("2024-niandu-minzhu").aspect_names()
    # The default id never takes a built-in one.
    assert spec.id == "2024-niandu-minzhu-tongzhi" and "通知.docx" in spec.source


def test_new_spec_refuses_builtin_ids_existing_files_and_bad_ids(home):
    with pytest.raises(InputError, match="内置会议规范"):
        new_spec(NOTICES / "notice-2025-minzhu.txt", "2025-niandu-minzhu")
    with pytest.raises(InputError, match="小写字母"):
        new_spec(NOTICES / "notice-2025-minzhu.txt", "../x")
    new_spec(NOTICES / "notice-2025-minzhu.txt", "mine")
    with pytest.raises(InputError, match="--force"):
        new_spec(NOTICES / "notice-2025-minzhu.txt", "mine")
    new_spec(NOTICES / "notice-2024-minzhu.txt", "mine", force=True)
    assert len(load_spec("mine").aspects) == 4
    # A spec the user wrote by hand under that name is never overwritten, even with --force.
    user_spec_path("hand").write_text(user_spec_path("mine").read_text(encoding="utf-8")
                                      .replace("id: mine", "id: hand").replace("duizhao specs new", "手工"),
                                      encoding="utf-8")
    with pytest.raises(InputError, match="不会覆盖"):
        new_spec(NOTICES / "notice-2025-minzhu.txt", "hand", force=True)


VARIANTS = {
    # Numbered lines 1．…, a later list of requirements as the distractor.
    "arabic-lines": ("关于召开2026年度民主生活会的通知\n一、会议主题\n以“深入学习贯彻党的创新理论”为主题。\n二、对照检查内容\n"
                     "班子成员要围绕以下4个方面进行对照检查：\n1．带头坚定理想信念，筑牢信仰之基。重点看……\n"
                     "2．带头树立和践行正确政绩观。\n3．带头敬畏人民、敬畏组织、敬畏法纪。\n4．带头落实管党治党责任。\n"
                     "三、工作要求\n1．会前要广泛征求意见。\n2．会后要及时报送材料。\n",
                     ["带头坚定理想信念，筑牢信仰之基", "带头树立和践行正确政绩观", "带头敬畏人民、敬畏组织、敬畏法纪",
                      "带头落实管党治党责任"]),
    # 围绕A，B，C，D等4个方面 in a sentence followed by the preparation.
    "inline-commas": ("2026年度组织生活会通知\n各支部要紧扣主题，围绕坚定理想信念，增强党性修养，严守纪律规矩，发挥先锋作用等4个方面，"
                      "认真查摆问题。会前要做好学习、谈心谈话、征求意见三项准备。",
                      ["坚定理想信念", "增强党性修养", "严守纪律规矩", "发挥先锋作用"]),
    # 是否… clauses after a colon.
    "shifou-clauses": ("关于召开专题组织生活会的通知\n会议主题为深入学习贯彻党的纪律规定，持续推进全面从严治党。\n"
                       "党员要重点对照以下内容查摆问题：是否坚定理想信念；是否严守政治纪律；是否密切联系群众；是否廉洁自律。\n"
                       "会上要通报上年度组织生活会整改落实情况。",
                       ["是否坚定理想信念", "是否严守政治纪律", "是否密切联系群众", "是否廉洁自律"]),
    # （1）… run in after a heading, a preparation list of the same style before it.
    "paren-inline": ("2026年度民主生活会方案\n（一）会前准备。（1）学习研讨；（2）征求意见；（3）谈心谈话。\n"
                     "（二）对照检查。领导班子重点从5个方面对照检查：（1）带头坚定拥护“两个确立”；（2）带头树立正确政绩观；"
                     "（3）带头敬畏人民；（4）带头担当作为；（5）带头从严治党。\n（三）开展案例剖析。",
                     ["带头坚定拥护“两个确立”", "带头树立正确政绩观", "带头敬畏人民", "带头担当作为", "带头从严治党"]),
}


@pytest.mark.parametrize("name", VARIANTS)
def test_list_forms_of_notices(name):
    text, expected = VARIANTS[name]
    assert read_notice(text).aspects == expected


@pytest.mark.parametrize("sentence", [
    "围绕政治信仰、党员意识、理论学习、能力本领、作用发挥、纪律作风等6个方面进行党性分析。",
    "要紧密联系思想和工作实际，围绕政治信仰、党员意识、理论学习、能力本领、作用发挥、纪律作风等6个方面，深入查找差距和不足。",
    "会议主要围绕政治信仰、党员意识、理论学习、能力本领、作用发挥、纪律作风等6个方面，查摆问题。",
])
def test_an_inline_list_with_its_count_is_the_aspect_list(sentence):
    """"围绕…等6个方面" with no cue word around it gave "没有找到方面清单"."""
    text = ("关于召开2024年度组织生活会的通知\n各党支部：\n经研究，决定召开2024年度组织生活会。现将有关事项通知如下：\n"
            f"{sentence}\n二、有关要求\n各党支部要认真准备，会前广泛征求意见。\n")
    assert read_notice(text).aspects == ["政治信仰", "党员意识", "理论学习", "能力本领", "作用发挥", "纪律作风"]


def test_a_list_of_measures_by_count_is_still_no_aspect_list():
    text = "关于召开组织生活会的通知\n从思想、制度、作风等3个方面提出整改措施。\n"
    with pytest.raises(InputError, match="没有在"):
        read_notice(text)


def test_a_long_notice_reads_the_same_list():
    """A 1.2 MB notice (the 2025 one, 400 times over): the list of the short one. Reading walked the whole text
    before every candidate list (3.2 MB took 12 s, 19 MB past 120 s); eval/bench_notice.py --scale measures it."""
    short = notice("notice-2025-minzhu.txt")
    assert read_notice(short * 400).aspects == read_notice(short).aspects
