"""Parsing the seeds and other real inputs into the Document model, and reading them from disk."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.material.document import Document, Item, Point, Section, render
from pipeline.core.errors import InputError
from pipeline.material.load import decode, load_document, read_text
from pipeline.text.numbering import cn_to_int, int_to_cn, point_style
from pipeline.material.parse import parse_text, role_of_heading, split_points
from pipeline.core.resources import lexicon
from pipeline.material.specs import load_spec

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
MANIFEST = yaml.safe_load((CORPUS / "manifest.yaml").read_text(encoding="utf-8"))["files"]
SEEDS = sorted(MANIFEST)


def seed_path(prefix: str) -> Path:
    (path,) = CORPUS.glob(f"{prefix}_*.txt")
    return path


def seed_text(prefix: str) -> str:
    return seed_path(prefix).read_text(encoding="utf-8")


def parsed_seed(prefix: str):
    path = seed_path(prefix)
    return load_document(path, load_spec(MANIFEST[path.name]["spec"]))


# --- the five seeds -------------------------------------------------------------------------------

SEED_SHAPES = {
    # prefix: (title, roles in order, items per section role, problems aspects in spec order)
    "000": (
        "党支部班子民主生活会对照检查材料",
        ["preamble", "problems", "causes", "measures", "closing"],
        {"problems": 3, "causes": 2, "measures": 3},
        ["思想认识", "作为担当", "纪律规矩"],
    ),
    "001": (
        "2023年第二批主题教育专题民主生活会领导班子对照检查材料",
        ["preamble", "problems", "causes", "measures"],
        {"problems": 6, "causes": 5, "measures": 5},
        ["理论学习", "政治素质", "能力本领", "担当作为", "工作作风", "廉洁自律"],
    ),
    "002": (
        "2023年主题教育专题民主生活会班子对照检查材料",
        ["preamble", "problems", "causes", "measures"],
        {"problems": 6, "causes": 3, "measures": 4},
        ["理论学习", "政治素质", "能力本领", "担当作为", "工作作风", "廉洁自律"],
    ),
    "003": (
        "党支部2021年党史学习教育组织生活会“四个对照”检查材料",
        ["preamble", "problems", "causes", "measures"],
        {"problems": 4, "causes": 5, "measures": 3},
        [
            "对照履行党章规定的职责任务",
            "对照上级部署要求",
            "对照党史学习教育、队伍教育整顿及上年度组织生活会问题整改情况",
            "对照人民群众的新期待",
        ],
    ),
    "004": (
        "肃清流毒影响专题组织生活会对照检查材料",
        ["preamble", "problems", "causes", "measures"],
        {"problems": 8, "causes": 4, "measures": 4},
        [
            "党性观念是否纯洁",
            "政治纪律是否牢固",
            "“四风”问题是否整改",
            "组织纪律是否遵守",
            "廉洁纪律是否严守",
            "以权谋私是否存在",
            "工作纪律是否遵守",
            "群众纪律是否忘记",
        ],
    ),
}

# DOMAIN §3: the aspects of 存在的问题 as each seed words them, in order.
SEED_ASPECT_WORDING = {
    "000": ["思想认识", "慢作为、不作为、乱作为", "守纪律讲规矩强担当"],
    "001": ["理论学习", "政治素质", "能力本领", "担当作为", "工作作风", "廉洁自律"],
    "002": ["理论学习", "政治素质", "能力本领", "担当作为", "工作作风", "廉洁自律"],
    "003": ["对照履行党章规定的职责任务", "对照上级部署要求", "对照党史学习教育、队伍教育整顿及上年度", "对照人民群众的新期待"],
    "004": ["党性观念是否纯洁", "政治纪律是否牢固", "“四风”问题是否整改", "组织纪律是否遵守", "廉洁纪律是否严守",
            "以权谋私是否存在", "工作纪律是否遵守", "群众纪律是否忘记"],
}


@pytest.mark.parametrize("prefix", sorted(SEED_SHAPES))
def test_seed_parses_into_the_skeleton(prefix):
    title, roles, item_counts, aspects = SEED_SHAPES[prefix]
    parsed = parsed_seed(prefix)
    document = parsed.document
    assert parsed.source == seed_path(prefix).name
    assert document.title == title
    assert [s.role for s in document.sections] == roles
    assert document.signature == [] and document.notice == ""
    preamble = document.sections[0]
    assert preamble.marker == "" and len(preamble.intro) == 1 and not preamble.items
    assert [s.marker for s in document.sections if s.marker] == ["一、", "二、", "三、"]
    for role, count in item_counts.items():
        assert len(document.section(role).items) == count, role
    problems = document.section("problems")
    assert [item.aspect for item in problems.items] == aspects
    for item, wording in zip(problems.items, SEED_ASPECT_WORDING[prefix]):
        assert wording in item.heading
    # Every problems item carries text under its heading.
    assert all(item.points and all(p.text for p in item.points) for item in problems.items)


def test_seed_000_closing_and_causes_numbering_as_written():
    document = parsed_seed("000").document
    closing = document.section("closing")
    assert closing.marker == "" and not closing.items
    assert closing.intro[0].text.startswith("总之，我们要以本次组织生活会为契机")
    causes = document.section("causes")
    # The seed's own defect: （一） is missing; the parser keeps what is written.
    assert [i.marker for i in causes.items] == ["（二）", "（三）"]
    assert causes.intro[0].text.endswith("以下三个方面：")
    problems = document.section("problems")
    assert [p.marker for p in problems.items[0].points] == ["1、", "2、", "3、", "4、"]
    assert [p.marker for p in problems.items[2].points] == ["一是", "二是", "三是"]
    assert problems.intro[0].text.startswith("长期以来")


def test_seed_001_headings_run_into_the_paragraph():
    item = parsed_seed("001").document.section("problems").items[0]
    assert item.marker == "（一）" and item.heading == "在理论学习方面。" and item.run_in
    assert [(p.marker, p.run_in) for p in item.points] == [("一是", False), ("二是", True)]
    assert item.points[0].text.startswith("理论学习不深不透。")
    cause = parsed_seed("001").document.section("causes").items[0]
    assert cause.heading == "政治站位不够高。" and cause.run_in
    assert cause.points[0].marker == "" and cause.points[0].text.startswith("有时存在忙于工作")


def test_seed_002_headings_on_their_own_line():
    problems = parsed_seed("002").document.section("problems")
    assert [i.heading for i in problems.items][:2] == ["在理论学习方面", "在政治素质方面"]
    assert not any(i.run_in for i in problems.items)
    work_style = problems.items[4]
    assert [(p.marker, p.run_in) for p in work_style.points] == [("一是", False), ("二是", False)]


def test_seed_003_long_heading_and_arabic_points():
    document = parsed_seed("003").document
    long_item = document.section("problems").items[3]
    assert not long_item.run_in
    assert long_item.heading.startswith("对照人民群众的新期待，全面查找") and long_item.heading.endswith("问题不足。")
    assert [p.marker for p in long_item.points] == ["一是", "二是", "三是", "四是", "五是", "六是"]
    measures = document.section("measures")
    assert all([p.marker for p in item.points] == ["1.", "2.", "3."] for item in measures.items)
    assert measures.items[0].heading == "突出“三个结合”，抓实学习整改。"


def test_seed_004_eight_aspect_items_with_run_in_text():
    problems = parsed_seed("004").document.section("problems")
    assert [i.marker for i in problems.items] == [f"（{int_to_cn(n)}）" for n in range(1, 9)]
    assert all(i.run_in and i.heading.endswith("方面。") for i in problems.items)
    assert all(len(i.points) == 1 and i.points[0].marker == "" for i in problems.items)


@pytest.mark.parametrize("name", SEEDS)
@pytest.mark.parametrize("markdown", [False, True])
def test_seed_render_parse_round_trip(name, markdown):
    first = parse_text(seed_text(name[:3])).document
    again = parse_text(render(first, markdown=markdown), markdown=markdown)
    assert again.document == first
    # What was cleaned once is not reported again.
    assert again.cleaning == []


# --- numbering and heading forms ------------------------------------------------------------------


def test_numbering_levels_on_their_own_lines():
    text = "\n".join(
        [
            "某支部对照检查材料",
            "按照要求，现将对照检查情况报告如下。",
            "一、存在的问题",
            "（一）理论学习方面",
            "一是学习不深。",
            "1、学习时间不足。2、学习方法单一。",
            "二是运用不够。",
            "（1）调研少。（2）落实慢。",
            "（二）工作作风方面",
            "1.作风不实。",
            "2.服务不优。",
            "二、产生问题的原因",
            "（一）理想信念有所松动。",
            "三、整改措施",
            "(一)强化理论武装。",
        ]
    )
    document = parse_text(text).document
    assert document.title == "某支部对照检查材料"
    assert [(s.role, s.marker, s.heading) for s in document.sections] == [
        ("preamble", "", ""),
        ("problems", "一、", "存在的问题"),
        ("causes", "二、", "产生问题的原因"),
        ("measures", "三、", "整改措施"),
    ]
    first, second = document.section("problems").items
    assert (first.marker, first.heading, first.run_in) == ("（一）", "理论学习方面", False)
    assert [(p.marker, p.text, p.run_in) for p in first.points] == [
        ("一是", "学习不深。", False),
        ("1、", "学习时间不足。", False),
        ("2、", "学习方法单一。", True),
        ("二是", "运用不够。", False),
        ("（1）", "调研少。", False),
        ("（2）", "落实慢。", True),
    ]
    assert [p.marker for p in second.points] == ["1.", "2."]
    assert document.section("measures").items[0].marker == "(一)"
    assert [point_style(p.marker) for p in first.points] == [
        ("shi", 1), ("arabic", 1), ("arabic", 2), ("shi", 2), ("paren", 1), ("paren", 2)
    ]


def test_heading_run_into_the_paragraph():
    text = "标题\n\n一、存在的问题\n\n（一）在理论学习方面。一是学习不深。二是运用不够；三是转化不足。"
    item = parse_text(text).document.section("problems").items[0]
    assert item.heading == "在理论学习方面。" and item.run_in
    assert [(p.marker, p.text, p.run_in) for p in item.points] == [
        ("一是", "学习不深。", False),
        ("二是", "运用不够；", True),
        ("三是", "转化不足。", True),
    ]


def test_heading_with_a_colon_runs_in_and_long_sentences_are_not_headings():
    document = parse_text(
        "标题\n\n一、存在的问题\n\n（一）理论学习方面：学习不深。\n\n"
        "（二）" + "这是一句很长的话" * 8 + "。后面还有话。"
    ).document
    colon, long = document.section("problems").items
    assert (colon.heading, colon.run_in, colon.points[0].text) == ("理论学习方面：", True, "学习不深。")
    assert long.heading == "" and long.run_in and long.points[0].text.startswith("这是一句很长的话")


def test_markers_inside_sentences_are_not_points():
    # 一是 / 1. only start a point at a paragraph start or after a sentence or clause end.
    points = split_points("他说这一是非问题要讲清，增长了1.5倍，共有(2)项。三是落实。")
    assert [(p.marker, p.text) for p in points] == [
        ("", "他说这一是非问题要讲清，增长了1.5倍，共有(2)项。"),
        ("三是", "落实。"),
    ]


def test_level_one_marker_on_a_sentence_is_text():
    # A level-1 heading is short and has no sentence end inside it.
    text = "标题\n\n一、存在的问题\n\n（一）学习方面\n\n一、二两个支部学习不深。还需要加强。"
    item = parse_text(text).document.section("problems").items[0]
    assert item.points[0].text.startswith("一、二两个支部")


@pytest.mark.parametrize(
    "heading, role",
    [
        ("存在的主要问题", "problems"),
        ("对照检查情况", "problems"),
        ("产生问题的原因分析", "causes"),
        ("问题根源剖析", "causes"),
        ("整改措施及努力方向", "measures"),
        ("今后努力方向和主要整改措施", "measures"),
        ("上年度民主生活会整改落实情况", "last_year"),
        ("典型案例剖析", "case_study"),
        ("基本情况", "other"),
    ],
)
def test_role_of_heading(heading, role):
    assert role_of_heading(heading) == role


def test_items_before_any_heading_and_signature_and_notice():
    text = "标题\n\n【本稿未使用模型生成】\n\n（一）第一项。内容。\n\n总之，要抓好整改。\n\n某某党支部\n\n2024年12月20日"
    document = parse_text(text).document
    assert document.notice == "本稿未使用模型生成"
    assert document.signature == ["某某党支部", "2024年12月20日"]
    assert [s.role for s in document.sections] == ["other", "closing"]


@pytest.mark.parametrize("date", ["2024年12月20日", "2024年1月5日", "二〇二四年十二月二十日", "2024年X月X日"])
def test_signature_dates(date):
    text = f"标题\n\n一、存在的问题\n\n（一）问题。内容。\n\n中共某某县某某局党组\n\n{date}"
    document = parse_text(text).document
    assert document.signature == ["中共某某县某某局党组", date]
    assert document.section("problems").items[0].points[-1].text == "内容。"


def test_a_last_sentence_is_not_a_signature():
    document = parse_text("标题\n\n一、存在的问题\n\n（一）问题。内容。\n\n2024年12月").document
    assert document.signature == []
    document = parse_text("标题\n\n一、存在的问题\n\n（一）问题。\n\n问题很多，需要整改\n\n2024年12月20日").document
    assert document.signature == ["2024年12月20日"]


def test_markdown_headings_and_emphasis():
    text = "# 标题\n\n## 一、存在的问题\n\n### **（一）在理论学习方面**\n\n一是学习**不深**。\n"
    document = parse_text(text, markdown=True).document
    item = document.section("problems").items[0]
    assert document.title == "标题" and item.heading == "在理论学习方面"
    assert item.points[0].text == "学习不深。"
    # In plain text ** is an anonymisation placeholder and stays.
    plain = parse_text("标题\n\n按**《通知》要求，结合**工作实际开展学习。").document
    assert plain.sections[0].intro[0].text == "按**《通知》要求，结合**工作实际开展学习。"


def test_chinese_numerals():
    for number in (1, 9, 10, 11, 19, 20, 23, 99):
        assert cn_to_int(int_to_cn(number)) == number
    assert int_to_cn(10) == "十" and int_to_cn(12) == "十二" and int_to_cn(30) == "三十"
    assert cn_to_int("两") == 2 and cn_to_int("12") == 12


# --- reading files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, name",
    [
        ("utf-8", "000"),
        ("utf-8-sig", "001"),
        ("gb18030", "002"),  # 002 has a no-break space that GBK cannot encode
        ("gbk", "003"),
        ("utf-16", "004"),
        ("utf-16-be", "000"),
    ],
)
def test_reads_txt_in_common_encodings(tmp_path, encoding, name):
    text = seed_text(name)
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data  # BOM, as Windows writes it
    path = tmp_path / f"材料.{'text' if encoding == 'gbk' else 'txt'}"
    path.write_bytes(data)
    assert read_text(path) == text
    loaded = load_document(path)
    assert loaded.document == parse_text(text).document
    assert loaded.cleaning == parse_text(text).cleaning


def test_reads_gbk_with_windows_line_endings(tmp_path):
    text = seed_text("001")
    path = tmp_path / "gbk.txt"
    path.write_bytes(text.replace("\n", "\r\n").encode("gbk"))
    assert decode(path.read_bytes()).replace("\r\n", "\n") == text
    assert load_document(path).document == parse_text(text).document


def test_reads_markdown(tmp_path):
    document = parse_text(seed_text("001")).document
    path = tmp_path / "draft.md"
    path.write_text(render(document, markdown=True), encoding="utf-8")
    assert path.read_text(encoding="utf-8").startswith("# 2023年")
    loaded = load_document(path, load_spec("2023-zhuti-minzhu"))
    assert loaded.document.title == document.title
    assert [i.aspect for i in loaded.document.section("problems").items] == SEED_SHAPES["001"][3]
    for item in loaded.document.section("problems").items:
        item.aspect = None
    assert loaded.document == document


def test_reads_docx(tmp_path):
    import docx

    text = seed_text("003")
    word = docx.Document()
    for line in text.split("\n"):
        word.add_paragraph(line)
    table = word.add_table(rows=1, cols=1)
    table.cell(0, 0).text = "表格里的字不是正文"
    path = tmp_path / "材料.docx"
    word.save(str(path))
    loaded = load_document(path, load_spec("2021-dangshi-zuzhi"))
    expected = parse_text(text, load_spec("2021-dangshi-zuzhi")).document
    assert loaded.document == expected
    assert "表格里的字" not in loaded.document.text()
    assert {c.code for c in loaded.cleaning} == {"pinyin", "stray-space"}


def test_rejects_a_binary_file_named_txt(tmp_path):
    binary = tmp_path / "a.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(InputError, match="二进制"):
        read_text(binary)


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(InputError, match="文件不存在"):
        load_document(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="目录"):
        load_document(tmp_path)
    (tmp_path / "empty.md").write_text("\n \n", encoding="utf-8")
    with pytest.raises(InputError, match="文件为空"):
        load_document(tmp_path / "empty.md")
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError, match=r"不支持的文件类型 \.doc"):
        load_document(tmp_path / "old.doc")


def test_json_document_round_trip(tmp_path):
    document = parse_text(seed_text("004")).document
    path = tmp_path / "doc.json"
    path.write_text(document.model_dump_json(), encoding="utf-8")
    assert load_document(path).document == document
    path.write_text('{"document": ' + document.model_dump_json() + ', "meta": 1}', encoding="utf-8")
    assert load_document(path).document == document
    path.write_text('{"sections": [{"role": "夹带"}]}', encoding="utf-8")
    with pytest.raises(InputError, match="sections.0.role"):
        load_document(path)


# --- property: render and parse are inverse on valid documents ------------------------------------

# Characters that never form a marker, a role cue, a closing cue or a date. Placeholders (* X ×) and
# markdown's special characters (* _ \) are in: markdown rendering must keep them as text.
BODY = "党员干部群众学习工作风建设责任落实理论政治思想纪律规矩服务基层发展本领组织生活会支委班子制度要求加强深入开展，、“”《》*_X×\\"
PLAIN = BODY.replace("，", "").replace("、", "")
SECTION_HEADINGS = {
    "problems": ["存在的问题", "存在的主要问题", "查摆的突出问题"],
    "causes": ["产生问题的原因分析", "原因剖析", "问题根源"],
    "measures": ["整改措施", "今后努力方向和整改措施"],
    "last_year": ["上年度民主生活会整改落实情况"],
    "case_study": ["典型案例剖析"],
    "other": ["基本情况"],
}


def words(min_size: int = 1, max_size: int = 20, alphabet: str = BODY):
    return st.text(alphabet=alphabet, min_size=min_size, max_size=max_size)


@st.composite
def point_markers(draw):
    number = draw(st.integers(1, 12))
    return draw(st.sampled_from([f"{int_to_cn(number)}是", f"{number}、", f"{number}.", f"（{number}）", f"({number})"]))


@st.composite
def points(draw, min_size: int = 0, first_text: str = ""):
    count = draw(st.integers(min_size, 4))
    result: list[Point] = []
    for index in range(count):
        marker = "" if index == 0 and first_text else draw(st.one_of(st.just(""), point_markers()))
        text = (first_text if index == 0 else "") + draw(words(0 if marker else 1)) + draw(st.sampled_from("。；"))
        # Only a numbered point can continue a paragraph; the first one always starts one.
        run_in = bool(marker) and index > 0 and draw(st.booleans())
        result.append(Point(marker=marker, text=text, run_in=run_in))
    return result


@st.composite
def items(draw):
    number = draw(st.integers(1, 15))
    marker = draw(st.sampled_from([f"（{int_to_cn(number)}）", f"({int_to_cn(number)})"]))
    if draw(st.booleans()):
        return Item(marker=marker, heading=draw(words(1, 30)) + "。", run_in=True, points=draw(points(min_size=1)))
    heading = draw(st.sampled_from(["", draw(words(1, 40)) + draw(st.sampled_from(["", "。", "："]))]))
    return Item(marker=marker, heading=heading, points=draw(points()))


@st.composite
def documents(draw):
    sections: list[Section] = []
    if draw(st.booleans()):
        sections.append(Section(role="preamble", intro=draw(points(min_size=1))))
    if draw(st.integers(0, 4)) == 0:
        sections.append(Section(role="other", items=draw(st.lists(items(), min_size=1, max_size=3))))
    for _ in range(draw(st.integers(0, 4))):
        role = draw(st.sampled_from(sorted(SECTION_HEADINGS)))
        heading = draw(st.sampled_from(SECTION_HEADINGS[role])) + draw(words(0, 6, PLAIN))
        number = draw(st.integers(1, 12))
        sections.append(
            Section(role=role, marker=f"{int_to_cn(number)}、", heading=heading, intro=draw(points()),
                    items=draw(st.lists(items(), max_size=3)))
        )
    if sections and sections[-1].role != "preamble" and sections[-1].items and draw(st.booleans()):
        cue = draw(st.sampled_from(lexicon("roles")["closing_cues"]))
        sections.append(Section(role="closing", intro=draw(points(min_size=1, first_text=cue))))
    signature: list[str] = []
    if draw(st.booleans()):
        date = f"{draw(st.integers(2000, 2099))}年{draw(st.integers(1, 12))}月{draw(st.integers(1, 28))}日"
        signature = [draw(words(1, 20, PLAIN)), date]
    return Document(
        title=draw(words(1, 30)),
        notice=draw(st.one_of(st.just(""), words(1, 20))),
        sections=sections,
        signature=signature,
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_parse_inverts_render(document):
    assert parse_text(render(document)).document == document


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_parse_inverts_render_markdown(document):
    assert parse_text(render(document, markdown=True), markdown=True).document == document
