"""范文 comments a clerk can read: the 范文's title (not its file name), the passage without scrape noise, and
only passages of the same kind of part and aspect; one about another campaign is not attached."""

from __future__ import annotations

from pathlib import Path

from pipeline.core.resources import data_dir
from pipeline.corpus.passages import Hit, file_passages, read_manifest
from pipeline.draft.notes import clean_reference, reference_notes, reference_title
from pipeline.draft.plan import make_outline
from pipeline.material.profile import load_profile, resolve_spec

ROOT = Path(__file__).resolve().parents[2]
CORPUS = data_dir("corpus")


def passages(name: str, old_store: bool = False) -> list[Hit]:
    entry = read_manifest(CORPUS)[name]
    hits = [Hit(**p.model_dump(), score=1.0) for p in file_passages(CORPUS / name, entry)]
    # A store written before titles were recorded gives none back.
    return [h.model_copy(update={"title": ""}) for h in hits] if old_store else hits


def outline_of(example: str):
    profile = load_profile(ROOT / "examples" / example)
    return make_outline(profile, resolve_spec(profile))


def test_scrape_noise_is_cleaned():
    assert clean_reference("按**《关于认真开好2023年度民主生活会的通知》要求，结合**工作实际") == \
        "按《关于认真开好2023年度民主生活会的通知》要求，结合工作实际"
    assert clean_reference("会前，XX党支部聚焦主题##paidbegin##深入学习") == "会前，某党支部聚焦主题深入学习"
    assert clean_reference("落实PDCA循环") == "落实PDCA循环"  # Latin words are not placeholders


def test_titles_not_file_names():
    hit = passages("003_2a6d75f4afb75138.txt", old_store=True)[0]
    assert hit.title == "" and reference_title(hit) == "党支部2021年党史学习教育专题组织生活会“四个对照”检查材料"
    unknown = hit.model_copy(update={"source": "005_0123456789abcdef.txt"})
    assert reference_title(unknown) == ""
    assert reference_title(hit.model_copy(update={"source": "某局2023年材料.docx"})) == "某局2023年材料"


def test_comments_fit_their_item_and_carry_no_noise():
    outline = outline_of("county-2025-niandu.yaml")
    items = {item.key: item for item in outline.items()}
    pool = passages("004_14299968a8aef322.txt") + passages("002_b94c01ca5fb1103c.txt", old_store=True) \
        + passages("003_2a6d75f4afb75138.txt")
    hits = {key: pool for key in items}
    notes = reference_notes(outline, hits)
    texts = [n.text for n in notes]
    assert texts
    for noise in ("XX", "**", ".txt", "流毒", "肃清"):
        assert not any(noise in text for text in texts), noise
    # The passage itself speaks of no other campaign (the 范文's title may name its own meeting).
    bodies = [t.split("》· ", 1)[1] for t in texts]
    assert not any(word in body for body in bodies for word in ("党史学习教育", "主题教育"))
    assert all(t.startswith("参考写法 · 范文《") for t in texts)
    # Each comment is from a passage of its item's own part.
    roles = {item.role for item in items.values()}
    for note in notes:
        assert note.anchor.split("-")[0] in roles
    # A 肃清流毒 passage never lands on 2025's 政治忠诚, even when retrieval offered it.
    political = [n for n in notes if n.anchor == "problems-01"]
    assert all("政法" not in n.text for n in political)
    # Passages of another spec's aspect stand only where the aspects share a word of their subject.
    assert not any("对照上级部署要求" in n.text or "人民群众的新期待" in n.text for n in political)


def test_a_roots_comments_are_passages_on_that_root_where_there_are_some():
    outline = outline_of("county-2025-niandu.yaml")
    pool = passages("001_5e55ffca6ee2661c.txt") + passages("000_ca829aae0bab2a6c.txt")
    causes = [item for item in outline.items() if item.role == "causes"]
    notes = reference_notes(outline, {item.key: pool for item in causes})
    people = [n.text for n in notes if n.anchor == causes[2].key]  # 宗旨意识
    headings = [text.split("》· ", 1)[1].split("：", 1)[0] for text in people]
    assert "宗旨意识不够牢" in headings
    assert all(any(w in h for w in ("宗旨", "群众", "人民", "服务", "民生", "新期待")) for h in headings), headings
