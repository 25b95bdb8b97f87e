"""A whole meeting drafted offline: every document written and checked, members' drafts unlike each other,
cached per item, resumable after a fault, and nothing written for a bad file or over existing files."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from pipeline.core.errors import ModelError, OutputError
from pipeline.draft.drafter import OfflineDrafter
from pipeline.material.meeting import load_meeting
from pipeline.review.copyrate import load_corpus
from pipeline.run.meeting import draft_meeting
from pipeline.run.runner import DraftOptions

ROOT = Path(__file__).resolve().parents[2]
MEETINGS = sorted((ROOT / "examples" / "meetings").glob("*.yaml"))
BRANCH = ROOT / "examples" / "meetings" / "branch-zuzhi.yaml"


def run(path: Path, outdir: Path, retriever, drafter=OfflineDrafter, **options):
    return asyncio.run(draft_meeting(path, DraftOptions(outdir=outdir, **options), drafter, lambda: retriever,
                                     corpus_loader=lambda: load_corpus(None, use_store=False)))


def small_meeting(tmp_path: Path, keep: int = 3) -> Path:
    """The branch example with its first `keep` members (criticisms of the others dropped)."""
    data = yaml.safe_load(BRANCH.read_text(encoding="utf-8"))
    data["members"] = data["members"][:keep]
    names = {m["name"] for m in data["members"]}
    for member in data["members"]:
        member["criticisms"] = {k: v for k, v in member["criticisms"].items() if k in names}
    path = tmp_path / "meeting.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def finals(folder: Path) -> list[str]:
    """The files a user sees (not the manifest of what duizhao wrote, nor the cache folder)."""
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


@pytest.mark.slow
@pytest.mark.parametrize("path", MEETINGS, ids=lambda p: p.stem)
def test_example_meeting_passes_every_check(path, tmp_path, retriever):
    meeting, spec = load_meeting(path)
    result = run(path, tmp_path, retriever)
    folder = Path(result.folder)
    kinds = [d.kind for d in result.documents]
    members = len(meeting.members)
    assert kinds.count("personal") == kinds.count("criticism") == members and kinds.count("group") == 1
    assert {"ledger_xlsx", "ledger_docx"} <= set(kinds)
    # Complete files: every document passes its check with no error.
    assert result.ok, [(d.name, [f.message for f in d.findings if f.severity == "error"]) for d in result.documents]
    assert result.max_pair_copy <= 0.10
    index = (folder / "index.md").read_text(encoding="utf-8")
    for document in result.documents:
        for name in document.files:
            assert (folder / name).is_file() and name in index
    assert "未通过" not in index
    for member in meeting.members:
        text = (folder / f"个人对照检查材料-{member.name}.md").read_text(encoding="utf-8")
        assert text.startswith(f"# {member.name}同志") and "我" in text
        assert all(fact in text for _, problem in member.problems() for fact in problem.facts)
        assert "我们班子" not in text and meeting.unit.self_name not in text
    sheet = load_workbook(io.BytesIO((folder / "整改清单.xlsx").read_bytes())).active
    problems = len(meeting.problems()) + sum(len(m.problems()) for m in meeting.members)
    criticisms = sum(len(points) for m in meeting.members for points in m.criticisms.values())
    gaps = sum(len(body.case_study.gaps) for body in [meeting, *meeting.members] if body.case_study)
    assert sheet.max_row == 1 + problems + criticisms + gaps


def test_members_drafts_differ_and_all_files_land_together(tmp_path, retriever):
    path = small_meeting(tmp_path)
    result = run(path, tmp_path / "out", retriever)
    folder = Path(result.folder)
    assert folder.name == "城南社区党支部2025年组织生活会"
    assert finals(folder) == sorted(
        ["index.md", "整改清单.docx", "整改清单.xlsx", "班子对照检查材料.docx", "班子对照检查材料.json", "班子对照检查材料.md"]
        + [f"{kind}-{name}.{ext}" for name in ("张丽华", "黄志刚", "吴敏")
           for kind, exts in (("个人对照检查材料", ("md", "json", "docx")), ("相互批评意见", ("md", "json", "docx")),
                              ("谈心谈话提纲", ("md", "docx")))
           for ext in exts]
        + [f"{name}.{ext}" for name in ("会议方案", "征求意见表", "主持词", "整改方案", "情况报告") for ext in ("md", "docx")])
    assert result.ok, [(d.name, [f.message for f in d.findings if f.severity == "error"]) for d in result.documents]
    # Every pair compared (the 【待补】 prompts, filled in by each member, are not compared).
    assert len(result.max_pair) == 2 and 0 <= result.max_pair_copy <= 0.10
    # Every drafted material records where each sentence came from; a criticism is the member's own words.
    sheet = json.loads((folder / "相互批评意见-张丽华.json").read_text(encoding="utf-8"))
    kinds = {s["source"] for i in sheet["items"] for s in i["sentences"]}
    assert "unit" in kinds and kinds <= {"unit", "formula"}
    assert all(f.startswith("members.0.criticisms.") for i in sheet["items"] for s in i["sentences"] for f in s["facts"])
    record = json.loads((folder / "个人对照检查材料-吴敏.json").read_text(encoding="utf-8"))
    assert {s["source"] for i in record["items"] for s in i["sentences"]} <= {"unit", "formula"}
    # The member's name is the unit the wording is seeded by.
    assert record["outline"]["voice"] == "personal" and record["outline"]["unit"] == "吴敏"
    # The 班子 material keeps the collective voice.
    group = (folder / "班子对照检查材料.md").read_text(encoding="utf-8")
    assert "支部班子" in group


@pytest.mark.slow
def test_existing_outputs_are_not_overwritten_without_force_and_rerun_uses_the_cache(tmp_path, retriever):
    path = small_meeting(tmp_path, keep=2)
    first = run(path, tmp_path / "out", retriever)
    index = Path(first.folder) / "index.md"
    written = index.read_bytes()
    # The same command again: done before, nothing rewritten; a changed meeting is refused without --force.
    rerun = run(path, tmp_path / "out", retriever)
    assert rerun.done_before and rerun.documents == first.documents and index.read_bytes() == written
    path.write_text(path.read_text(encoding="utf-8").replace("支部副书记", "支部委员", 1), encoding="utf-8")
    with pytest.raises(OutputError, match="--force"):
        run(path, tmp_path / "out", retriever)
    again = run(path, tmp_path / "out", retriever, force=True)
    assert all(unit.cached_items > 0 for unit in again.units)
    # A file the user edited is never overwritten, not even with --force.
    index.write_text("用户改过的索引", encoding="utf-8")
    with pytest.raises(OutputError, match="不是 duizhao 写入的"):
        run(path, tmp_path / "out", retriever, force=True)
    assert index.read_text(encoding="utf-8") == "用户改过的索引"


class Failing(OfflineDrafter):
    """The endpoint goes away after `after` items."""

    calls = 0
    after = 10_000

    async def draft(self, item, outline, profile, hits):
        type(self).calls += 1
        if type(self).calls > self.after:
            raise ModelError("模型接口连接失败")
        return await super().draft(item, outline, profile, hits)


@pytest.mark.slow
def test_a_fault_writes_nothing_final_and_a_rerun_resumes(tmp_path, retriever):
    path = small_meeting(tmp_path)
    out = tmp_path / "out"
    Failing.calls, Failing.after = 0, 12
    with pytest.raises(ModelError, match="重新运行即可续做"):
        run(path, out, retriever, drafter=Failing, concurrency=1)
    folder = out / "城南社区党支部2025年组织生活会"
    assert finals(folder) == []  # cached items only, under .duizhao/
    cached = len(list((folder / ".duizhao" / "items").glob("*.json")))
    assert cached == 12
    Failing.calls, Failing.after = 0, 10_000
    result = run(path, out, retriever, drafter=Failing)
    assert result.ok and sum(unit.cached_items for unit in result.units) == cached
    total = sum(unit.cached_items for unit in result.units) + Failing.calls
    assert Failing.calls == total - cached


@pytest.mark.slow
def test_with_a_model_each_material_is_drafted_in_its_own_voice(tmp_path, retriever):
    from pipeline.draft.drafter import ModelDrafter
    from pipeline.models.fake import QueuedChatModel

    model = QueuedChatModel(default="对照要求认真查摆，【待补：本人的具体事例】。")
    path = small_meeting(tmp_path, keep=2)
    result = run(path, tmp_path / "out", retriever, drafter=lambda: ModelDrafter(model, "fake"), docx=False)
    assert result.system == "model:fake"
    systems = [request["messages"][0][1] for request in model.requests]
    personal = [s for s in systems if "以本人口吻" in s]
    collective = [s for s in systems if "集体口吻" in s]
    assert personal and collective and len(personal) + len(collective) == len(systems)
    # Every item of every material went to the model: the two members' materials together ask more than the 班子's.
    assert len(personal) > len(collective)


PERSONAL_FANWEN = """某某同志2024年度民主生活会个人对照检查材料

按照会议要求，我认真查摆了自身存在的问题，现报告如下。

一、存在的问题

（一）在思想认识方面。我对分管领域的新情况研究不深，学习满足于读文件，没有结合分管工作思考。

（二）在作为担当方面。我遇到矛盾有时绕着走，对群众反映的问题推动解决不够及时。

（三）在纪律规矩方面。我执行组织生活制度不够严格，参加支部活动有时请假。

二、产生问题的原因

（一）理论武装不够。我学习不系统，满足于完成规定动作。

三、整改措施

（一）加强学习。我每月至少研读一篇重要文章并撰写心得。
"""


@pytest.mark.slow
def test_members_materials_take_personal_fanwen_first(tmp_path):
    from pipeline.core.resources import data_dir
    from pipeline.corpus.ingest import ingest
    from pipeline.corpus.retrieve import Retriever
    from pipeline.corpus.store import Store
    from pipeline.models.embed import HashingEmbeddings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "personal.txt").write_text(PERSONAL_FANWEN, encoding="utf-8")
    store, embedder = Store.open(store_dir=tmp_path / "store"), HashingEmbeddings()
    ingest([data_dir("corpus"), corpus], store, embedder)
    retriever = Retriever(store, embedder)
    result = run(small_meeting(tmp_path, keep=2), tmp_path / "out", retriever, docx=False)
    folder = Path(result.folder)

    def first_sources(name: str) -> list[str]:
        record = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        return [item["passages"][0]["source"] for item in record["items"]
                if item["role"] == "problems" and item["passages"]]

    assert set(first_sources("个人对照检查材料-张丽华")) == {"personal.txt"}
    # The 班子's material ranks by relevance alone: the packaged 班子 范文 lead some of its items.
    assert set(first_sources("班子对照检查材料")) != {"personal.txt"}


def test_folder_name_follows_the_year_given(tmp_path, retriever):
    """A meeting with no year in its file or spec gets a folder named without a dangling 年."""
    path = small_meeting(tmp_path, keep=2)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert Path(run(path, tmp_path / "with", retriever).folder).name == "城南社区党支部2025年组织生活会"
    data["meeting"].pop("year")
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert Path(run(path, tmp_path / "without", retriever).folder).name == "城南社区党支部组织生活会"


def test_last_years_ledger_goes_to_the_班子_and_each_member(tmp_path, retriever):
    from pipeline.export.ledger import ledger_xlsx
    from pipeline.material.meeting import group_profile
    from pipeline.material.meeting_docs import ledger_header, ledger_title, meeting_ledger_rows

    path = small_meeting(tmp_path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for body in [data, *data["members"]]:
        body.pop("last_year", None)  # last year is only what the ledger says
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    meeting, spec = load_meeting(path)
    rows = meeting_ledger_rows(meeting, group_profile(meeting, spec, path), spec)
    ledger = tmp_path / "上年度整改清单.xlsx"
    ledger.write_bytes(ledger_xlsx(ledger_title(meeting, spec), ledger_header(), rows))
    book = load_workbook(ledger)
    member = meeting.members[1]
    own = next(r for r in rows if r.who == member.name and r.kind == "personal")
    criticised = next(r for r in rows if r.kind == "criticism")
    done = {own.number: "已完成", criticised.number: "整改中"}
    for row in book.active.iter_rows(min_row=2):
        if row[0].value in done:
            row[7].value = done[row[0].value]
            row[8].value = f"第{row[0].value}项已有进展"
    book.save(ledger)
    result = run(path, tmp_path / "out", retriever, ledger=ledger)
    folder = Path(result.folder)
    text = (folder / f"个人对照检查材料-{member.name}.md").read_text(encoding="utf-8")
    assert f"已完成整改，第{own.number}项已有进展。" in text
    other = (folder / f"个人对照检查材料-{criticised.who}.md").read_text(encoding="utf-8")
    assert f"仍在整改，第{criticised.number}项已有进展。" in other
    # Not done last year: carried into this year's ledger as 上年度未完成, with last year's measure.
    sheet = load_workbook(folder / "整改清单.xlsx").active
    carried = [[c.value for c in row] for row in sheet.iter_rows(min_row=2) if row[3].value == "上年度未完成"]
    assert len(carried) == len(rows) - 1
    assert any(row[2] == criticised.problem and row[7] == "未开始" for row in carried)


def test_two_members_given_the_same_time_limit_are_not_copies_of_each_other():
    """The drafter's measure formula (由…负责，完成时限：…) is the same in every member's material; with the clerk's
    same date for two members its shared run must not read as 雷同 (short materials, most of them still 【待补】)."""
    from pipeline.material.specs import load_spec
    from pipeline.review.meeting_rules import pairwise_copy
    from pipeline.run.meeting import mandated_wording

    spec = load_spec("2025-niandu-minzhu")
    texts = {name: f"（一）关于强化政治忠诚方面的整改。针对“{problem}”，{measure}，由{name}负责，完成时限：2026年6月底前。"
             for name, problem, measure in (("王志强", "调查研究不够深入", "每月到联系点1次"),
                                            ("李红", "推动重点项目有畏难情绪", "每周调度产业园项目"))}
    assert pairwise_copy(texts, [])[0].rate > 0.1  # the formula alone would flag the pair
    assert pairwise_copy(texts, mandated_wording(spec, []))[0].rate < 0.05
