"""Model faults through the whole draft pipeline (runner.draft_all → ModelDrafter → real HTTP stub), and interrupts.

Whatever goes wrong, items already drafted stay in the cache, no draft file is half-written, and a rerun asks
the model only for what is missing.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from stub_server import (Reply, StubServer, auth_error, content_filter, cut, empty_choices, filtered_finish, hang,
                         invalid_json, rate_limited, server_error)
from typer.testing import CliRunner

from pipeline.review.structure import check_structure
from pipeline.cli.main import app
from pipeline.draft.drafter import ModelDrafter, OfflineDrafter
from pipeline.core.errors import ModelError
from pipeline.models.chat import ChatSettings, RetryPolicy, build_chat_model
from pipeline.material.load import load_document
from pipeline.material.profile import load_profile, resolve_spec
from pipeline.run.runner import DraftOptions, draft_all


ROOT = Path(__file__).resolve().parents[2]
PROFILE = ROOT / "examples" / "agency-2024-dangji.yaml"
UNIT = "县市场监督管理局机关第一党支部"
KEY = "sk-duizhao-faults-0123456789"


@pytest.fixture(scope="module")
def item_count(retriever, tmp_path_factory) -> int:
    """How many items the example outline has (one model call each when all goes well)."""
    from pipeline.draft.plan import make_outline

    profile = load_profile(PROFILE)
    return len(make_outline(profile, resolve_spec(profile)).items())


def answer(request: dict) -> str:
    """A usable answer that carries the facts the prompt lists."""
    user = request["messages"][-1]["content"]
    facts = [line.split("事实：", 1)[1] for line in user.splitlines() if "事实：" in line]
    return "班子在这方面还存在差距，比如，" + ("；".join(facts) or "有关情况还需进一步查摆") + "。这些问题需要认真整改。"


def is_target(request: dict) -> bool:
    """The one item a fault hits: the problems item of 工作纪律 (its first prompt, and any re-ask after it)."""
    user = request["messages"][1]["content"]
    return "“工作纪律”方面" in user and "存在的问题" in user


def factory(url: str, timeout: float = 5.0, retries: int = 2):
    settings = ChatSettings(base_url=url, api_key=KEY, model="stub-model", timeout=timeout)
    chat = build_chat_model(settings)
    policy = RetryPolicy(max_retries=retries, base_delay=0.01, max_delay=0.05, idle_timeout=timeout)
    return lambda: ModelDrafter(chat, "stub-model", policy=policy)


def run(outdir: Path, drafter_factory, retriever, **options):
    return asyncio.run(draft_all([PROFILE], DraftOptions(outdir=outdir, **options), drafter_factory, lambda: retriever))


def cached(outdir: Path) -> int:
    return len(list((outdir / ".duizhao" / "items").glob("*.json")))


def drafts(outdir: Path) -> list[Path]:
    return sorted(p for p in outdir.glob(f"{UNIT}.*"))


def leftovers(outdir: Path) -> list[Path]:
    """Temporary files of an interrupted write."""
    return [p for p in outdir.rglob("*") if p.name.endswith(".tmp")]


# --- transient faults: retried, the draft completes ---------------------------------------------------------------


@pytest.mark.parametrize("fault", ["429", "500", "slow"])
def test_transient_fault_is_retried_and_the_draft_completes(tmp_path, retriever, fault):
    hit = {"n": 0}

    def responder(request):
        if is_target(request) and hit["n"] == 0:
            hit["n"] += 1
            return {"429": rate_limited(0.4), "500": server_error(500), "slow": hang(3.0)}[fault]
        return answer(request)

    with StubServer(responder=responder) as server:
        started = time.monotonic()
        [result] = run(tmp_path, factory(server.url, timeout=0.5), retriever)
        elapsed = time.monotonic() - started
        targeted = [r for r in server.chat_requests if is_target(r.body)]
    assert result.ok and result.error is None, result
    assert len(targeted) >= 2  # the failed attempt and its retry
    if fault == "429":
        assert elapsed >= 0.4  # Retry-After was honoured
    record = json.loads((tmp_path / f"{UNIT}.json").read_text(encoding="utf-8"))
    assert max(item["attempts"] for item in record["items"]) >= 2


def test_a_cut_answer_at_concurrency_1_is_asked_again(tmp_path, retriever):
    """The usual setting for a local server: one request in flight. A stream that closes with no finish reason and
    no [DONE] shipped as finished before ("比如，电梯安。比如，电梯安全专项整治中……" and 通过)."""
    hit = {"n": 0}

    def responder(request):
        if is_target(request) and hit["n"] == 0:
            hit["n"] += 1
            return cut("班子在这方面还存在差距，比如，电梯安")
        return answer(request)

    with StubServer(responder=responder) as server:
        [result] = run(tmp_path, factory(server.url), retriever, concurrency=1)
        targeted = [r for r in server.chat_requests if is_target(r.body)]
    assert result.ok, result
    assert len(targeted) >= 2  # the cut answer and the one asked again (a guard re-ask may follow)
    assert "电梯安。" not in (tmp_path / f"{UNIT}.md").read_text(encoding="utf-8")
    record = json.loads((tmp_path / f"{UNIT}.json").read_text(encoding="utf-8"))
    assert max(item["attempts"] for item in record["items"]) >= 2


def test_truncated_answers_keep_whole_sentences(tmp_path, retriever):
    def responder(request):
        text = answer(request) + "此外，在落实制度方面还有一些需要改进的地方，下一步将认真加以解决并" * 5
        return Reply(text=text[:60], finish_reason="length") if is_target(request) else answer(request)

    with StubServer(responder=responder) as server:
        [result] = run(tmp_path, factory(server.url), retriever)
    assert result.ok, result
    record = json.loads((tmp_path / f"{UNIT}.json").read_text(encoding="utf-8"))
    cut = [item for item in record["items"] if "truncated" in item["flags"]]
    assert cut and all(p.endswith("。") for item in cut for p in item["paragraphs"])
    spec = resolve_spec(load_profile(PROFILE))
    assert check_structure(load_document(tmp_path / f"{UNIT}.md", spec), spec).ok


# --- persistent faults: the others are kept, the rerun asks only for the failed item -------------------------------

PERSISTENT = {
    "500 every time": (lambda: server_error(500), "连续 3 次", 3),
    "429 every time": (lambda: rate_limited(0.01), "连续 3 次", 3),
    "silent past the timeout": (lambda: hang(3.0), "没有任何输出", 3),
    "content filter (400)": (content_filter, "内容审核", 1),
    "content filter (finish_reason)": (lambda: filtered_finish("部分内容"), "内容审核", 1),
    "invalid JSON": (invalid_json, "不是有效的 JSON", 1),
    "empty choices": (empty_choices, "空结果", 1),
    "cut every time (no finish reason, no [DONE])": (lambda: cut("班子在这方面还存在差距，比如，电梯安"), "中断了回答", 3),
}


@pytest.mark.parametrize("case", list(PERSISTENT))
def test_persistent_fault_keeps_finished_items_and_rerun_asks_only_for_the_rest(tmp_path, retriever, item_count, case):
    make_fault, words, attempts = PERSISTENT[case]

    def faulty(request):
        return make_fault() if is_target(request) else answer(request)

    with StubServer(responder=faulty) as server:
        with pytest.raises(ModelError, match=words) as caught:
            run(tmp_path, factory(server.url, timeout=0.5), retriever, concurrency=3)
        assert len([r for r in server.chat_requests if is_target(r.body)]) == attempts
    message = str(caught.value)
    assert f"已完成的 {item_count - 1} 段已缓存" in message and "\n" not in message and KEY not in message
    assert drafts(tmp_path) == [] and leftovers(tmp_path) == []  # nothing half-written
    assert cached(tmp_path) == item_count - 1
    with StubServer(responder=answer) as server:
        [result] = run(tmp_path, factory(server.url), retriever)
        asked = [r.body for r in server.chat_requests]
    assert result.ok and result.cached_items == item_count - 1
    assert 1 <= len(asked) <= 2 and all(is_target(request) for request in asked)
    assert [p.suffix for p in drafts(tmp_path)] == [".docx", ".json", ".md"]


def test_connection_refused_drafts_nothing_and_a_rerun_drafts_all(tmp_path, retriever, item_count):
    with StubServer() as server:
        url = server.url  # the port is closed once the server stops
    with pytest.raises(ModelError, match="无法连接模型服务"):
        run(tmp_path, factory(url, retries=1), retriever)
    # Nothing the model should have written is kept; only the parts the unit left empty (asked of no model) are.
    kept = [json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / ".duizhao" / "items").glob("*.json")]
    assert drafts(tmp_path) == [] and all("left-empty" in item["flags"] for item in kept)
    with StubServer(responder=answer) as server:
        [result] = run(tmp_path, factory(server.url), retriever)
        assert result.ok and len(server.chat_requests) >= item_count


def test_server_going_away_mid_draft(tmp_path, retriever, item_count):
    """The endpoint dies after a few answers: those are kept; the rest are drafted on the rerun."""
    server = StubServer(responder=answer)
    server.start()
    served = {"n": 0}

    def dying(request):
        served["n"] += 1
        if served["n"] == 12:
            import threading

            threading.Thread(target=server.stop, daemon=True).start()
        return answer(request)

    server.responder = dying
    with pytest.raises(ModelError):
        run(tmp_path, factory(server.url, timeout=2, retries=1), retriever, concurrency=1)
    server.stop()
    kept = cached(tmp_path)
    assert 3 <= kept < item_count and drafts(tmp_path) == []
    with StubServer(responder=answer) as again:
        [result] = run(tmp_path, factory(again.url), retriever)
        assert result.ok and result.cached_items == kept
        assert len(again.chat_requests) >= item_count - kept


# --- Ctrl-C ---------------------------------------------------------------------------------------------------------


class Interrupting(OfflineDrafter):
    """Stops the run from inside the drafter after `after` items, as Ctrl-C (or a cancelled task) would."""

    calls = 0

    def __init__(self, after: int, signal: type[BaseException]):
        super().__init__()
        self.after, self.signal = after, signal

    async def draft(self, item, outline, profile, hits):
        type(self).calls += 1
        if type(self).calls > self.after:
            raise self.signal()
        return await super().draft(item, outline, profile, hits)


@pytest.mark.parametrize("signal", [KeyboardInterrupt, asyncio.CancelledError], ids=["ctrl-c", "cancelled"])
def test_interrupt_mid_draft_leaves_a_resumable_cache(tmp_path, retriever, item_count, signal):
    Interrupting.calls = 0
    with pytest.raises(signal):
        run(tmp_path, lambda: Interrupting(after=6, signal=signal), retriever, concurrency=1)
    assert drafts(tmp_path) == [] and leftovers(tmp_path) == []
    assert cached(tmp_path) == 6
    Interrupting.calls = 0
    [result] = run(tmp_path, lambda: Interrupting(after=10_000, signal=signal), retriever, concurrency=1)
    assert result.ok and result.cached_items == 6 and Interrupting.calls == item_count - 6


def test_ctrl_c_through_the_cli(tmp_path, monkeypatch, retriever):
    import pipeline.draft.factory

    monkeypatch.setattr(pipeline.draft.factory, "drafter_factory", lambda settings: lambda: Interrupting(3, KeyboardInterrupt))
    monkeypatch.setattr(pipeline.draft.factory, "retriever_factory", lambda settings, on_ingest=None: lambda: retriever)
    Interrupting.calls = 0
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["draft", str(PROFILE), "-o", str(out), "--offline",
                                                     "--concurrency", "1"])
    assert result.exit_code == 130 and "已中断" in result.stderr and "重新运行同一命令" in result.stderr
    assert "Traceback" not in result.stderr
    assert drafts(out) == [] and cached(out) == 3


def test_model_error_through_the_cli_is_one_line_exit_2(tmp_path, monkeypatch, retriever):
    import pipeline.draft.factory

    monkeypatch.setattr(pipeline.draft.factory, "retriever_factory", lambda settings, on_ingest=None: lambda: retriever)
    with StubServer(responder=lambda request: content_filter() if is_target(request) else answer(request)) as server:
        env = {"OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": KEY, "DUIZHAO_MODEL": "stub-model",
               "DUIZHAO_MAX_RETRIES": "1", "COLUMNS": "120"}
        out = tmp_path / "out"
        result = CliRunner().invoke(app, ["draft", str(PROFILE), "-o", str(out)], env=env)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("错误")]
    assert len(errors) == 1 and errors[0].startswith("错误：") and "已缓存" in errors[0]
    assert KEY not in result.output and drafts(out) == []
