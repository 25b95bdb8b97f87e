"""查重 covers what the user ingested into the vector store, not only the packaged 范文."""

from __future__ import annotations


from pipeline.models.embed import HashingEmbeddings
from pipeline.review.check import CheckOptions, check_file
from pipeline.corpus.ingest import ingest
from pipeline.corpus.store import Store, source_texts

USER_FANWEN = """某局党支部组织生活会对照检查材料
按照上级要求，支部班子认真开展会前准备，现将对照检查情况报告如下：
一、存在的主要问题
（一）在群众纪律方面
一是服务群众的主动性不够强，窗口单位排队时间过长的问题长期没有得到根本解决，群众来回跑腿的情况依然存在。
二、产生问题的原因分析
（一）宗旨意识有所淡化。对群众的急难愁盼感受不深，满足于按部就班完成上级交办的事项。
三、整改措施
（一）严守群众纪律。推行一次告知、限时办结，切实减少群众来回跑腿。
"""


def test_stored_fanwen_count_in_copy_rate(tmp_path, monkeypatch):
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path / "cache"))
    store_dir = tmp_path / "vectorstore"
    corpus = tmp_path / "mine"
    corpus.mkdir()
    (corpus / "user_fanwen.txt").write_text(USER_FANWEN, encoding="utf-8")
    store = Store.open(store_dir=store_dir)
    ingest([corpus], store, HashingEmbeddings())
    assert "窗口单位排队时间过长" in source_texts(store)["user_fanwen.txt"]

    draft = tmp_path / "draft.txt"
    draft.write_text(USER_FANWEN.replace("某局", "某所").replace("服务群众的主动性不够强，", ""), encoding="utf-8")
    monkeypatch.setenv("DUIZHAO_STORE_DIR", str(store_dir))
    report = check_file(draft, CheckOptions())
    assert report.metrics["copy_rate"] > 0.5
    assert "user_fanwen.txt" in report.metrics["copy_sources"]
    # Without the store, the packaged seeds alone do not explain the copying.
    monkeypatch.setenv("DUIZHAO_STORE_DIR", str(tmp_path / "nothing-here"))
    assert check_file(draft, CheckOptions()).metrics["copy_rate"] < 0.2


def test_a_section_quotes_its_own_longest_copied_run(tmp_path, monkeypatch):
    """A run that spills over a section boundary is quoted by the part inside the section, not the whole run."""
    from pipeline.review.copyrate import copy_rate, load_corpus

    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "corpus"
    folder.mkdir()
    spill = "班子对理论学习的重要性认识不足满足于完成规定动作没有学深悟透"
    inside = "建立学习台账每月检查一次并向党员大会通报学习情况"
    (folder / "a.txt").write_text(f"标题\n{spill}四。\n", encoding="utf-8")
    (folder / "b.txt").write_text(f"标题\n{inside}。\n", encoding="utf-8")
    text = f"{spill}四{inside}"
    boundary = len(spill)  # the second section starts at 四: the run from a.txt spills one character into it
    result = copy_rate(text, [(0, boundary), (boundary, len(text))], load_corpus(folder))
    assert len(spill) > len(inside)
    assert result.sections[1].longest == inside and result.sections[1].longest_source == "b.txt"
