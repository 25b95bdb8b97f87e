"""Long titles break between words (jieba and the known terms), lines balanced, for titles of 15–60 字;
the .docx keeps the planned lines and reads back as the same title."""

from __future__ import annotations

import itertools
from pathlib import Path

import jieba
import pytest

from pipeline.core.resources import lexicon
from pipeline.export.docx import build_docx, write_docx
from pipeline.export.layouts import LAYOUTS, text_width_pt
from pipeline.export.title_break import SLACK_EM, split_title, width_em
from pipeline.material.document import Document, Point, Section
from pipeline.material.load import load_document
from pipeline.material.profile import load_profile
from pipeline.material.specs import load_spec

ROOT = Path(__file__).resolve().parents[2]
LINE_EM = text_width_pt(LAYOUTS["gbt9704"]) / LAYOUTS["gbt9704"].styles["title"].size
UNITS = ["党支部", "城关镇东山村党支部", "县第一中学领导班子", "县市场监督管理局机关第一党支部",
         "某县公安局刑事侦查大队党支部", "中共某某市某某区人民政府办公室机关第二党支部",
         "中共某某省某某市某某县某某乡镇人民政府机关第一党支部"]
SPECS = ["2021-dangshi-zuzhi", "2023-zhuti-minzhu", "2024-dangji-zuzhi", "2024-niandu-minzhu", "generic-zuzhi",
         "suqing-liudu-zuzhi"]


def titles() -> list[str]:
    made = set()
    for unit, spec_id in itertools.product(UNITS, SPECS):
        spec = load_spec(spec_id)
        made.add(spec.title.format(unit=unit, year=spec.year or 2024))
    made |= {load_profile(p).title or "" for p in (ROOT / "examples").glob("*.yaml")} - {""}
    return sorted(t for t in made if 15 <= len(t) <= 60)


def words_of(title: str) -> set[int]:
    bounds, position = set(), 0
    for word in jieba.cut(title, HMM=False):
        position += len(word)
        bounds.add(position)
    return bounds


def inside_terms(title: str) -> set[int]:
    inside = set()
    for term in lexicon("title_terms")["terms"]:
        start = title.find(term)
        while start >= 0:
            inside.update(range(start + 1, start + len(term)))
            start = title.find(term, start + 1)
    return inside


def test_titles_cover_the_range():
    lengths = [len(t) for t in titles()]
    assert min(lengths) <= 20 and max(lengths) >= 45 and len(lengths) >= 30


@pytest.mark.parametrize("title", titles())
def test_breaks_are_between_words_and_balanced(title):
    lines = split_title(title, LINE_EM)
    if width_em(title) <= LINE_EM:
        assert lines is None
        return
    assert lines is not None and "".join(lines) == title and len(lines) <= 3
    widths = [width_em(line) for line in lines]
    assert all(w + SLACK_EM <= LINE_EM for w in widths)
    cuts = list(itertools.accumulate(len(line) for line in lines))[:-1]
    for cut in cuts:
        assert cut in words_of(title), (title, lines)
        assert cut not in inside_terms(title), (title, lines)
        assert not (title[cut].isdigit() and title[cut - 1].isdigit())
        assert not (title[cut] == "年" and title[cut - 1].isdigit())
    # Balanced: no line more than 7 em longer than another (a three-line title: within 6 em).
    assert max(widths) - min(widths) <= (7 if len(lines) == 2 else 6), (title, lines)
    # Three lines only when two cannot hold the title.
    if len(lines) == 3:
        assert width_em(title) + 2 * SLACK_EM > 2 * LINE_EM - 8


@pytest.mark.parametrize(("title", "lines"), [
    # The reported breaks: “…2024年党 / 纪学习教育…” and “…学习教 / 育专题…”.
    ("县市场监督管理局机关第一党支部2024年党纪学习教育专题组织生活会对照检查材料",
     ("县市场监督管理局机关第一党支部2024年", "党纪学习教育专题组织生活会对照检查材料")),
    ("县第一中学领导班子2023年主题教育专题民主生活会班子对照检查材料",
     ("县第一中学领导班子2023年主题教育", "专题民主生活会班子对照检查材料")),
    ("中共某某市某某区人民政府办公室机关第二党支部2024年党纪学习教育专题组织生活会对照检查材料",
     ("中共某某市某某区人民政府办公室机关", "第二党支部2024年党纪学习教育", "专题组织生活会对照检查材料")),
])
def test_known_titles(title, lines):
    assert split_title(title, LINE_EM) == lines


def _titled(title: str) -> Document:
    return Document(title=title, sections=[Section(role="preamble", intro=[Point(text="按照要求，现报告如下：")])])


@pytest.mark.parametrize("title", [
    "县市场监督管理局机关第一党支部2024年党纪学习教育专题组织生活会对照检查材料",  # lower line longer: breaks
    "中共某某市某某区人民政府办公室机关第二党支部2024年党纪学习教育专题组织生活会对照检查材料",  # three lines
    "中共某某县机关事务管理局党组2024年度民主生活会领导班子对照检查材料",  # upper line longer: narrowed
])
def test_docx_writes_the_planned_lines_and_reads_back_the_title(title, tmp_path):
    lines = split_title(title, LINE_EM)
    paragraph = build_docx(_titled(title)).paragraphs[0]
    narrowed = paragraph._p.pPr.ind is not None and paragraph._p.pPr.ind.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}left") is not None
    if len(lines) == 2 and width_em(lines[1]) <= width_em(lines[0]):
        assert narrowed and paragraph.text == title
    else:
        assert not narrowed and paragraph.text.split("\n") == list(lines)
    assert load_document(write_docx(_titled(title), tmp_path / "t.docx")).document.title == title
