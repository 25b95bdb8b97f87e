"""The model's proposal of a notice's aspects, over the real HTTP stub: taken only when verbatim."""

from __future__ import annotations

from pathlib import Path

from stub_server import server_error

from pipeline.draft.notice_model import model_proposer, parse_proposal
from pipeline.material.notice import read_notice
from pipeline.material.specs import load_spec
from pipeline.models.chat import ChatSettings

NOTICE = (Path(__file__).resolve().parents[1] / "fixtures" / "notices" / "notice-2025-minzhu.txt").read_text(encoding="utf-8")
FIVE = load_spec("2025-niandu-minzhu").aspect_names()


def settings(url: str) -> ChatSettings:
    return ChatSettings(base_url=url, api_key="sk-test", model="stub-model", timeout=5, max_retries=0)


def test_parse_proposal_reads_a_fenced_json_array():
    assert parse_proposal('好的：\n```json\n["带头甲", "带头乙"]\n```') == ["带头甲", "带头乙"]
    assert parse_proposal("没有找到") == [] and parse_proposal("[不是 JSON]") == []


def test_verbatim_proposal_is_used(stub_server):
    stub_server.queue('["' + '", "'.join(FIVE) + '"]')
    reading = read_notice(NOTICE, propose=model_proposer(settings(stub_server.url)))
    assert reading.aspects == FIVE and reading.kind == "model"
    # The notice went to the model.
    assert "带头固本培元、增强党性" in stub_server.chat_requests[-1].messages[-1]["content"]


def test_reworded_proposal_falls_back_to_the_offline_reading(stub_server):
    stub_server.queue('["带头强化政治忠诚", "带头增强党性修养", "带头敬畏人民", "带头担当作为", "带头管党治党"]')
    reading = read_notice(NOTICE, propose=model_proposer(settings(stub_server.url)))
    assert reading.aspects == FIVE and reading.kind == "offline"


def test_model_failure_falls_back_to_the_offline_reading(stub_server):
    stub_server.queue(server_error())
    reading = read_notice(NOTICE, propose=model_proposer(settings(stub_server.url)))
    assert reading.aspects == FIVE and reading.kind == "offline"
