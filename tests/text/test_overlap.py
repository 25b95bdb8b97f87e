"""The shared-run index (查重) that the copy guard, the cleaner and the checker share."""

from __future__ import annotations

import pickle
import subprocess
import sys

from pipeline.text.overlap import OverlapIndex, content_digest, gram_hashes, normalise, overlap_with
from pipeline.core.resources import data_dir

SEED = (data_dir("corpus") / "002_b94c01ca5fb1103c.txt").read_text(encoding="utf-8")


def test_runs_of_13_content_characters_ignore_punctuation():
    source = "理论学习不深不透的问题十分突出，需要加以解决。"
    report = overlap_with("我们认为：理论学习不深不透的问题十分突出需要解决", [source])
    (run,) = report.runs
    assert run.source == "ref1" and run.text == "理论学习不深不透的问题十分突出需要" and run.length == 17
    assert report.marked == 17 and report.total == len(normalise("我们认为：理论学习不深不透的问题十分突出需要解决")[0])
    # 12 shared characters are not a run.
    assert overlap_with("甲乙丙理论学习不深不透的问题十丁戊", [source]).marked == 0


def test_owners_cover_each_run_with_its_punctuation():
    text = "开头。切实把学习成果转化为高举旗帜、听党指挥的坚定信仰，结尾"
    report = overlap_with(text, [SEED])
    (run,) = report.runs
    inside = text.index("切实"), text.index("，结尾")
    assert all(report.owners[i] == "ref1" for i in range(*inside))
    assert report.owners[inside[0] - 1] is None and report.owners[inside[1] + 1] is None


def test_a_run_stays_with_the_source_it_started_with():
    a = "一二三四五六七八九十甲乙丙丁戊己庚辛"
    b = "八九十甲乙丙丁戊己庚辛壬癸子丑寅卯辰"
    report = overlap_with("一二三四五六七八九十甲乙丙丁戊己庚辛壬癸子丑寅卯辰", [a, b])
    assert [(r.source, r.length) for r in report.runs] == [("ref1", 18), ("ref2", 7)]
    assert report.longest().source == "ref1" and report.longest("ref2").length == 7


def test_exclude_and_same_as():
    index = OverlapIndex()
    index.add("seed", SEED)
    index.add("copy", SEED[:400])
    assert index.same_as(SEED) == ["seed"]
    full = index.check(SEED)
    assert full.rate == 1.0 and set(full.by_source) == {"seed"}
    # Without the material itself, what another source shares is still found.
    without = index.check(SEED, exclude=["seed"])
    assert set(without.by_source) == {"copy"} and 0.1 < without.rate < 0.25
    assert index.check(SEED, exclude=["seed", "copy"]).marked == 0


def test_incremental_add_and_pickle_round_trip():
    index = OverlapIndex()
    index.add("a", SEED[:300])
    assert index.check(SEED[100:200]).rate == 1.0
    index.add("b", SEED[300:600])
    assert set(index.check(SEED[250:450]).by_source) == {"a", "b"}
    again = pickle.loads(pickle.dumps(index))
    assert len(again) == len(index) and again.check(SEED[250:450]).by_source == index.check(SEED[250:450]).by_source


def test_hashes_are_stable_across_processes():
    # The index is cached on disk: a fresh interpreter (new hash seed) must hash 13-grams the same way.
    code = ("from pipeline.text.overlap import gram_hashes, normalise, content_digest; import sys; "
            "t = sys.stdin.read(); print(gram_hashes(normalise(t)[0])[:5].tolist(), content_digest(t))")
    out = subprocess.run([sys.executable, "-c", code], input=SEED, capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "12345", "PATH": ""}).stdout
    assert out.strip() == f"{gram_hashes(normalise(SEED)[0])[:5].tolist()} {content_digest(SEED)}"


def test_content_digest_ignores_layout():
    assert content_digest("一、问题\n\n理论学习，不够深入。") == content_digest("一 问题 理论学习不够深入")
    assert content_digest("理论学习不够深入") != content_digest("理论学习不够深")
