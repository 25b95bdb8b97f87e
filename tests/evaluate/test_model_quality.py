"""eval/model_quality.py's copy columns: the 13-字 rule of `duizhao check` over the model's raw answers and over the
draft, against the packaged 范文 (the seeds), through the real model path (HTTP stub, drafter, guards, runner)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from stub_server import StubServer

from pipeline.core.resources import data_dir
from pipeline.models.chat import ChatSettings, build_chat_model
from pipeline.review.check import CheckOptions, check_file

ROOT = Path(__file__).resolve().parents[2]
PROFILE = ROOT / "examples" / "village-2023-zhuti.yaml"
SEED = data_dir("corpus") / "000_ca829aae0bab2a6c.txt"  # the 村党支部 seed (shared/seeds, packaged as corpus/)
# 23 content characters of the seed: a 13-字 run, short enough that the drafter's guard lets it through.
SEED_CLAUSE = "借鉴了不少先进经验，但是大家看过之后还是在原地踏步"
OWN = ("支部班子对村里产业发展的思路研究不深，开会时讲得多、落到地里的办法少，村民提出的建议有的没有及时回应，"
       "村务公开栏更新也不够及时，工作标准与群众期盼还有差距。")

spec = importlib.util.spec_from_file_location("model_quality", ROOT / "eval" / "model_quality.py")
model_quality = importlib.util.module_from_spec(spec)
spec.loader.exec_module(model_quality)

pytestmark = pytest.mark.slow  # each case drafts a whole material through the HTTP stub


def task_of(request: dict) -> str:
    return next((line for line in request["messages"][1]["content"].splitlines() if line.startswith("本段：")), "")


def run(tmp_path: Path, retriever, respond, references=None) -> tuple[dict, Path]:
    with StubServer(responder=respond) as stub:
        settings = ChatSettings(base_url=stub.url, api_key="stub", model="copier")
        row = model_quality.measure(PROFILE, tmp_path / "out", build_chat_model(settings), settings, retriever,
                                    references)
    [record] = (tmp_path / "out").glob("*.json")
    return row, record


def test_seed_text_is_the_corpus():
    assert SEED_CLAUSE in SEED.read_text(encoding="utf-8")


def test_copy_columns_are_zero_when_nothing_is_copied(tmp_path, retriever):
    row, record = run(tmp_path, retriever, lambda request: OWN)
    assert "error" not in row
    assert row["copy_raw"] == 0.0 and row["copy_draft"] == 0.0
    # Over the items a model answered: a part the unit left empty is asked of none.
    items = json.loads(record.read_text(encoding="utf-8"))["items"]
    asked = [i for i in items if "left-empty" not in i["flags"]]
    assert 0 < len(asked) < len(items) and row["copy_items"] == f"0/{len(asked)}"


def test_a_copied_seed_sentence_shows_in_both_columns(tmp_path, retriever):
    def respond(request):
        return OWN + "比如" + SEED_CLAUSE + "。" if "存在的问题" in task_of(request) else OWN

    row, record = run(tmp_path, retriever, respond)
    document = json.loads(record.read_text(encoding="utf-8"))["document"]
    assert SEED_CLAUSE.split("，")[1] in json.dumps(document, ensure_ascii=False)  # it survived into the draft
    assert row["copy_raw"] > 0 and row["copy_draft"] > 0
    copied, items = map(int, row["copy_items"].split("/"))
    assert 0 < copied < items  # the problem items, not the others
    # The draft column is the check's copy rate, the number `duizhao check` prints for this draft.
    assert row["copy_draft"] == check_file(record, CheckOptions(profile=PROFILE)).metrics["copy_rate"]


def shown_reference(request: dict) -> str:
    """The first 范文 passage the prompt shows the model (fenced <<<参考范文1>>> … <<<参考范文1结束>>>)."""
    prompt = request["messages"][1]["content"]
    return prompt.split("<<<参考范文1>>>\n", 1)[1].split("\n<<<参考范文1结束>>>", 1)[0]


def test_copying_the_guard_refuses_shows_in_the_raw_column_only(tmp_path, retriever):
    """The model copies the passage it was shown: the drafter's guard re-asks, then leaves a 【待补】 instead."""
    copied = []

    def respond(request):
        if "存在的问题" not in task_of(request):
            return OWN
        copied.append(shown_reference(request))
        return copied[-1]

    row, record = run(tmp_path, retriever, respond)
    assert copied and row["copy_raw"] > 0.3
    assert row["copy_draft"] == 0.0
    flags = [item["flags"] for item in json.loads(record.read_text(encoding="utf-8"))["items"]]
    assert any("pending:copied" in item for item in flags)  # the guard gave the copied items up


def test_replayed_captures_copy_their_own_references_not_the_seeds(tmp_path, retriever):
    """Why the column read 0.0: a captured answer copies the references of its captured prompt, not this corpus."""
    c01 = next(c for c in model_quality.CAPTURES if c["id"] == "c01")
    row, _ = run(tmp_path, retriever, lambda request: c01["response_text"] if "存在的问题" in task_of(request) else OWN,
                 references=model_quality.captured_references())
    assert row["copy_raw"] == 0.0 and row["copy_draft"] == 0.0
    assert row["refs_raw"] > 0.3 and row["refs_draft"] > 0
