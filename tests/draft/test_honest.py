"""The no-model draft says only what the unit said: every sentence is the profile's words, a lexicon connective
or a 【待补】 prompt; measures come from the unit; 范文 ride along as comments, never as text."""

from __future__ import annotations

import asyncio
import json
import re
import zipfile
from pathlib import Path

import pytest
import yaml

from pipeline.core.resources import data_dir, lexicon
from pipeline.draft.compose import compose_item
from pipeline.draft.drafter import OfflineDrafter
from pipeline.draft.plan import make_outline
from pipeline.material.document import render, render_lines
from pipeline.material.load import load_document
from pipeline.material.profile import load_profile, parse_profile, profile_template, resolve_spec
from pipeline.material.specs import load_spec, part_heading
from pipeline.run.runner import DraftOptions, draft_all
from pipeline.text.numbering import POINT
from pipeline.text.overlap import OverlapIndex

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
_PLACEHOLDER = re.compile(r"【[^【】]*】")
_MARKER = re.compile(POINT.pattern + r"|^[（(][一二三四五六七八九十]{1,3}[）)]|^[一二三四五六七八九十]{1,3}、")
_PUNCT = re.compile(r"[\s，。、；：！？“”‘’（）《》,.;:!?()|]")


def run(paths, outdir, retriever, **options):
    return asyncio.run(draft_all(paths, DraftOptions(outdir=outdir, **options), OfflineDrafter, lambda: retriever))


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)] + [k for k in value if isinstance(k, str)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _lexicon_pieces() -> set[str]:
    """Every literal piece of the composer's wording (templates cut at their {fields}), punctuation removed."""
    pieces = set()
    for template in _strings(lexicon("composer")):
        for piece in re.split(r"\{[^}]*\}", template):
            piece = _PUNCT.sub("", piece)
            if piece:
                pieces.add(piece)
    return pieces


def _made_of(fragment: str, pieces: set[str]) -> bool:
    """`fragment` is a concatenation of whole lexicon pieces."""
    reachable = [True] + [False] * len(fragment)
    for end in range(1, len(fragment) + 1):
        reachable[end] = any(reachable[start] and fragment[start:end] in pieces for start in range(end))
    return reachable[-1]


def untraceable(document, profile, spec, outline) -> list[str]:
    """What is left of each paragraph once the unit's words, the meeting's mandated wording, numbering,
    【…】 prompts and whole lexicon connectives are taken out: must be nothing."""
    own = _strings(profile.model_dump(by_alias=True)) + [outline.title, outline.meeting, spec.meeting]
    own += [f"{v}" for v in (profile.preparation.talks, profile.preparation.opinions) if v]
    for aspect in spec.aspects:
        own += [aspect.name, aspect.name.removeprefix("对照"), *aspect.aliases]
    # The spec's own part and sub-part headings are the meeting's wording too (as whole heading lines: a short one
    # like 整改措施 also occurs inside connectives).
    headings = {h for part in spec.skeleton
                for h in (part_heading(part, spec.meeting, outline.year), *(sub.heading for sub in part.subparts))}
    # The unit's phrases are quoted with their own double quotes turned single.
    own += [s.replace("“", "‘").replace("”", "’") for s in own]
    own = sorted({s.strip().rstrip("。；，") for s in own if s and s.strip()}, key=len, reverse=True)
    pieces = _lexicon_pieces()
    left = []
    for line in render_lines(document)[1:]:
        if _MARKER.sub("", line.strip()) in headings:
            continue
        text = _PLACEHOLDER.sub("\x00", line)
        for phrase in own:
            text = text.replace(phrase, "\x00")
        for fragment in text.split("\x00"):
            fragment = _PUNCT.sub("", _MARKER.sub("", fragment.strip()))
            fragment = re.sub(r"\d", "", _MARKER.sub("", fragment))  # counts of items ({count})
            if re.search(r"[\u4e00-\u9fff]", fragment) and not _made_of(fragment, pieces):
                left.append(fragment)
    return left


def hurried_template(tmp_path: Path) -> Path:
    """`profile init` output handed in as is, but for the unit's name and two aspects emptied."""
    text = profile_template(load_spec("2024-dangji-zuzhi")).replace("【单位全称，如 城南社区党支部】", "某某局机关党支部")
    data = yaml.safe_load(text)
    data["aspects"]["生活纪律"] = []
    data["aspects"]["群众纪律"] = None
    path = tmp_path / "hurried.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def sparse_profile(tmp_path: Path) -> Path:
    """Problems without facts or measures, one with a measure but no owner, no causes, no last year."""
    path = tmp_path / "sparse.yaml"
    path.write_text(
        "unit: {name: 青石镇领导班子乙, self: 班子}\nmeeting: {spec: 2024-niandu-minzhu, year: 2024}\naspects:\n"
        "  带头严守政治纪律和政治规矩，维护党的团结统一:\n    - problem: 贯彻上级部署有时打折扣\n"
        "  带头履行全面从严治党政治责任:\n    - problem: 对村级监督抓得不严\n      facts: [巡察反馈问题还有3个没整改]\n"
        "      measure: 对3个问题挂牌督办\n      deadline: 2025年3月底前\n", encoding="utf-8")
    return path


def _drafted(path: Path, outdir: Path, retriever):
    [result] = run([path], outdir, retriever)
    assert result.error is None, result.error
    profile = load_profile(path)
    spec = resolve_spec(profile, path.parent)
    record = json.loads(next(Path(o) for o in result.outputs if o.endswith(".json")).read_text(encoding="utf-8"))
    document = load_document(next(Path(o) for o in result.outputs if o.endswith(".json"))).document
    return profile, spec, document, record, result


@pytest.mark.parametrize("kind", [*(p.stem for p in EXAMPLES), "hurried", "sparse"])
def test_every_sentence_is_traceable(kind, tmp_path, retriever):
    path = {"hurried": hurried_template, "sparse": sparse_profile}.get(kind, lambda _: ROOT / "examples" / f"{kind}.yaml")(tmp_path)
    profile, spec, document, _, _ = _drafted(path, tmp_path / "out", retriever)
    assert untraceable(document, profile, spec, make_outline(profile, spec)) == []


def test_the_tracer_catches_a_sentence_from_elsewhere(tmp_path, retriever):
    """The traceability check is not vacuous: a 范文 sentence or a made-up admission is reported."""
    path = ROOT / "examples" / "township-2024-niandu.yaml"
    profile, spec, document, _, _ = _drafted(path, tmp_path, retriever)
    outline = make_outline(profile, spec)
    point = document.section("problems").items[0].points[0]
    for foreign in ("群众对此有意见，镇领导班子负有直接责任。", "遵守政治纪律态度不坚决。"):
        point.text += foreign
        assert untraceable(document, profile, spec, outline), foreign
        point.text = point.text.removesuffix(foreign)
    assert untraceable(document, profile, spec, outline) == []


def test_no_passage_of_the_corpus_enters_the_text(tmp_path, retriever):
    index = OverlapIndex()
    for source in sorted(data_dir("corpus").glob("*.txt")):
        index.add(source.name, source.read_text(encoding="utf-8"))
    results = run(EXAMPLES, tmp_path, retriever)
    for path, result in zip(EXAMPLES, results):
        document = load_document(next(Path(o) for o in result.outputs if o.endswith(".md"))).document
        body = "\n".join(render_lines(document)[1:])  # the title is the meeting's own wording
        spec = resolve_spec(load_profile(path))
        for mandated in sorted([spec.name, *spec.aspect_names()], key=len, reverse=True):
            body = body.replace(mandated, "|")
        report = index.check(body)
        # What is shared is the genre's frame (现将对照检查情况报告如下 + a section heading), never a sentence.
        assert report.rate <= 0.05, (result.unit, [r.text for r in report.runs])
        assert all(len(run.text) < 25 for run in report.runs), [r.text for r in report.runs]


def test_wording_is_seeded_by_the_unit_not_by_position(tmp_path):
    profile = load_profile(ROOT / "examples" / "agency-2024-dangji.yaml")
    spec = resolve_spec(profile)
    outline = make_outline(profile, spec)
    data = profile.model_dump(by_alias=True)
    # The same problems in another order, and fewer aspects before them: each paragraph stays as it was.
    data["aspects"] = dict(reversed(list(data["aspects"].items())))
    moved = parse_profile(data)
    moved_outline = make_outline(moved, spec)

    def paragraphs(o, p):
        return {text for item in o.items() if item.role in ("problems", "measures", "causes")
                for text in compose_item(item, o, p)}

    assert paragraphs(outline, profile) == paragraphs(moved_outline, moved)
    # Another unit with the very same problems gets other connectives somewhere.
    data["unit"]["name"] = "县市场监督管理局机关第二党支部"
    other = parse_profile(data)
    assert paragraphs(make_outline(other, spec), other) != paragraphs(outline, profile)


def test_measures_come_from_the_unit_or_say_what_is_missing(tmp_path, retriever):
    _, _, document, _, _ = _drafted(sparse_profile(tmp_path), tmp_path / "out", retriever)
    measures = document.section("measures")
    texts = ["".join(p.text for p in item.points) for item in measures.items]
    # Two aspects of four state a problem: two measure items, none for the silent aspects.
    assert len(measures.items) == 2
    assert "贯彻上级部署有时打折扣" in texts[0] and "【待补：具体措施、责任人、完成时限】" in texts[0]
    assert "对3个问题挂牌督办" in texts[1] and "2025年3月底前" in texts[1] and "【待补：责任人】" in texts[1]
    assert "【待补：完成时限】" not in texts[1] and "【待补：具体措施】" not in texts[1]
    # No deadline or action the unit did not write.
    assert "6月底" not in "".join(texts) and "台账" not in "".join(texts)
    problems = document.section("problems")
    empty = [item for item in problems.items if "【待补：本单位在" in "".join(p.text for p in item.points)]
    assert len(empty) == 2
    assert "【待补：这一问题在哪项工作中、何时、涉及多少人或事】" in "".join(p.text for p in problems.items[0].points)


def test_no_count_of_last_years_problems_when_there_are_none(tmp_path, retriever):
    # 2024年度民主生活会 requires the section; the profile lists nothing for it.
    _, _, document, _, _ = _drafted(sparse_profile(tmp_path), tmp_path / "out", retriever)
    text = "".join(render_lines(document))
    assert "0个" not in text
    section = document.section("last_year")
    assert [p.text for p in section.intro] == ["【待补：上年度民主生活会查摆的问题，逐条写明整改措施及完成情况】"]


def test_causes_are_the_units_own(tmp_path, retriever):
    path = ROOT / "examples" / "hospital-2021-dangshi.yaml"
    profile, _, document, _, _ = _drafted(path, tmp_path, retriever)
    causes = document.section("causes")
    # One item per root the spec expects or the unit named, in the standard order, each with the unit's note;
    # a problem's cause stands under the root the unit gave it, or with the problem itself when it gave none.
    body = "".join(p.text for item in causes.items for p in item.points)
    problems_text = "".join(p.text for item in document.section("problems").items for p in item.points)
    for cause in profile.causes:
        assert cause.note.rstrip("。") in body
    rooted = 0
    for problems in profile.aspects.values():
        for problem in problems:
            item = next(i for i in causes.items if problem.root and problem.root in i.heading) if problem.root else None
            if item is not None:
                rooted += 1
                assert problem.cause in "".join(p.text for p in item.points)
            else:
                assert problem.cause in problems_text and problem.cause not in body
    assert rooted == 2
    roots = [next(r for r in ("理想信念", "理论武装", "党性修养", "宗旨意识", "担当精神", "纪律规矩", "作风")
                  if r in item.heading) for item in causes.items]
    assert roots == ["理想信念", "党性修养", "宗旨意识", "担当精神", "作风"]
    assert "其他原因" not in render(document)
    # The expected roots the unit left empty ask for exactly that root.
    assert [p.text for p in causes.items[0].points][0].startswith("【待补：理想信念方面的原因")


def test_references_are_comments_anchored_to_their_item(tmp_path, retriever):
    path = ROOT / "examples" / "agency-2024-dangji.yaml"
    _, _, document, record, result = _drafted(path, tmp_path, retriever)
    docx_path = next(Path(o) for o in result.outputs if o.endswith(".docx"))
    with zipfile.ZipFile(docx_path) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
        comments = archive.read("word/comments.xml").decode("utf-8")
    # The banner is a comment, not a paragraph; the 范文 are comments in the 参考写法 form.
    assert "未使用大模型" not in re.sub(r"<[^>]+>", "", body)
    assert "未使用大模型" in comments
    references = [n for n in record["document"]["notes"] if n["text"].startswith("参考写法 · 范文《")]
    assert references and len(re.findall(r"<w:comment ", comments)) == len(record["document"]["notes"])
    # Each problems item's comments sit on that item's heading paragraph.
    import docx

    out = docx.Document(str(docx_path))
    anchored = {}
    for paragraph in out.paragraphs:
        ids = [e.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}id")
               for e in paragraph._p.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}commentRangeStart")]
        for comment_id in ids:
            anchored[int(comment_id)] = paragraph.text
    notes = record["document"]["notes"]
    for number, note in enumerate(notes):
        if note["anchor"] == "problems-02":
            assert anchored[number] == "（二）在组织纪律方面"
        if note["anchor"] == "title":
            assert anchored[number].replace("\n", "") == document.title
    anchors = {n["anchor"] for n in notes}
    assert anchors >= {"title", "preamble", "causes-01", "measures-01"} and any(a.startswith("problems-") for a in anchors)
    # The .json item records say which passages each item was given.
    item = next(i for i in record["items"] if i["key"] == "problems-02")
    assert item["passages"] and all(p["id"] for p in item["passages"])


@pytest.mark.slow
@pytest.mark.soffice
def test_comments_survive_a_libreoffice_render(tmp_path, retriever):
    from pipeline.export.preview import to_pdf

    path = ROOT / "examples" / "community-generic.yaml"
    _, _, _, record, result = _drafted(path, tmp_path, retriever)
    pdf = to_pdf(next(Path(o) for o in result.outputs if o.endswith(".docx")), tmp_path / "pdf", notes=True)
    data = pdf.read_bytes()

    def decode(token: bytes) -> str:
        raw = bytes.fromhex(token[1:-1].decode()) if token.startswith(b"<") else re.sub(rb"\\(.)", rb"\1", token[1:-1])
        return raw.decode("utf-16-be").lstrip("\ufeff") if raw.startswith(b"\xfe\xff") else raw.decode("latin-1")

    shown = [decode(t) for t in re.findall(rb"/Contents\s*(<[0-9A-Fa-f]+>|\((?:\\.|[^\\)])*\))", data)]
    expected = [n["text"] for n in record["document"]["notes"]]
    assert sorted(shown) == sorted(expected)
    plain = to_pdf(next(Path(o) for o in result.outputs if o.endswith(".docx")), tmp_path / "plain")
    assert b"/Subtype /Text" not in plain.read_bytes()


def test_model_drafts_carry_the_passages_they_were_shown_as_comments(tmp_path, retriever):
    from stub_server import StubServer

    from pipeline.draft.drafter import ModelDrafter
    from pipeline.models.chat import ChatSettings, RetryPolicy, build_chat_model

    def answer(request: dict) -> str:
        user = request["messages"][-1]["content"]
        facts = re.findall(r"事实：(.+)", user)
        return ("比如，" + "；".join(facts) + "。") if facts else "按照要求认真对照检查。"

    path = ROOT / "examples" / "township-2024-niandu.yaml"
    with StubServer(responder=answer) as server:
        chat = build_chat_model(ChatSettings(base_url=server.url, api_key="test", model="stub", timeout=5))
        factory = lambda: ModelDrafter(chat, "stub", policy=RetryPolicy(max_retries=0))  # noqa: E731
        [result] = asyncio.run(draft_all([path], DraftOptions(outdir=tmp_path), factory, lambda: retriever))
        prompts = [r.user_text for r in server.chat_requests]
    record = json.loads((tmp_path / "青石镇领导班子.json").read_text(encoding="utf-8"))
    notes = record["document"]["notes"]
    assert record["notice"] == "" and notes and all(n["text"].startswith("参考写法") for n in notes)
    # What a comment cites is what the model was shown for that item (the closing's prompt takes no 范文; a part
    # the unit left empty is asked of no model, its 范文 are there for the clerk alone).
    shown = "".join(prompts)
    unasked = {i["key"] for i in record["items"] if "left-empty" in i.get("flags", [])}
    assert any(key.startswith("causes-") for key in unasked)  # the example leaves some roots to the clerk
    for note in (n for n in notes if n["anchor"] != "closing" and n["anchor"] not in unasked):
        cited = note["text"].split("：", 1)[1].rstrip("…")
        assert cited[:40] in re.sub(r"\s+", " ", shown), note["anchor"]
    with zipfile.ZipFile(tmp_path / "青石镇领导班子.docx") as archive:
        assert len(re.findall(r"<w:comment ", archive.read("word/comments.xml").decode("utf-8"))) == len(notes)
    # The unit's own measures reach the model with the instruction to keep them.
    assert any("对3个未整改到位的财务问题逐一挂牌督办" in p and "原样写入" in p for p in prompts)


def test_problem_causes_are_filed_where_the_unit_put_them():
    spec = load_spec("2024-dangji-zuzhi")
    profile = parse_profile({"unit": {"name": "某支部"}, "meeting": {"spec": spec.id}, "aspects": {
        "廉洁纪律": [{"problem": "风险排查不细", "cause": "对廉洁风险估计不足", "root": "纪律规矩"}],
        "工作纪律": [{"problem": "文书质量不高", "cause": "审核把关不严"}],
        "群众纪律": [{"problem": "回复诉求慢"}]}, "causes": {"宗旨意识": "服务群众的意识不强"}})
    outline = make_outline(profile, spec)
    causes = [item for item in outline.items() if item.role == "causes"]
    headings = [item.heading for item in causes]
    # The expected roots and the unit's own, in the standard order; the tool adds no root of its own choosing.
    assert [h[:4] for h in headings] == ["理想信念", "党性修养", "宗旨意识", "担当精神", "纪律规矩"]
    texts = {h[:4]: compose_item(item, outline, profile)[0] for h, item in zip(headings, causes)}
    assert texts["宗旨意识"] == "服务群众的意识不强。"
    assert "对廉洁风险估计不足" in texts["纪律规矩"] and "【待补" not in texts["纪律规矩"]
    # A cause the unit filed under no root stays with its problem, as the unit's words.
    assert not any("审核把关不严" in text for text in texts.values())
    problems = [item for item in outline.items() if item.role == "problems"]
    assert any("审核把关不严" in "".join(compose_item(item, outline, profile)) for item in problems)
    # An empty root names itself and the problem that still has no cause.
    assert texts["理想信念"].startswith("【待补：理想信念方面的原因") and "回复诉求慢" in texts["理想信念"]
    assert "文书质量不高" not in texts["理想信念"]
