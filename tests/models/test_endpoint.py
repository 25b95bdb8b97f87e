"""Streaming against servers as they are: a serial CPU server that queues, silence, reasoning models."""

from __future__ import annotations

import asyncio
import logging

from stub_server import Reply, StubServer, cut, hang

import pytest

from pipeline.core.errors import ModelError
from pipeline.models.chat import ChatSettings, RetryPolicy, build_chat_model, complete, strip_reasoning
from pipeline.models.endpoint import endpoint_for

MESSAGES = [("system", "你是党务材料写作助手。"), ("user", "请起草一段。")]
ANSWER = "班子在理论学习方面还有差距，学用结合不够紧密，需要认真整改落实。"  # 31 characters = 31 tokens


def model_for(server: StubServer):
    return build_chat_model(ChatSettings(base_url=server.url, api_key="sk-endpoint-test-123456", model="stub-model"))


def test_a_serial_server_never_times_out_a_queued_request_and_its_concurrency_is_learnt(caplog):
    caplog.set_level(logging.INFO)
    # Each answer takes ~0.3 s; six at once queue up to 1.8 s, far past the 0.25 s idle timeout.
    with StubServer(default=ANSWER, serial=True, token_latency=0.01) as server:
        model = model_for(server)
        policy = RetryPolicy(max_retries=0, idle_timeout=0.25)

        async def many():
            results = await asyncio.gather(*(complete(model, MESSAGES, 200, policy=policy) for _ in range(6)))
            return results, endpoint_for(model, 0.25).limit

        results, limit = asyncio.run(many())
        requests = len(server.chat_requests)
    assert [r.text for r in results] == [ANSWER] * 6 and all(r.attempts == 1 for r in results)
    assert requests == 6  # nothing was re-sent
    assert limit == 1 and "一次只处理 1 个请求" in caplog.text


def test_silence_abandons_a_request_and_the_retry_waits_out_its_slot():
    with StubServer() as server:
        server.queue(hang(2.0), "好。")
        policy = RetryPolicy(max_retries=1, base_delay=0.0, idle_timeout=0.3)
        completion = asyncio.run(complete(model_for(server), MESSAGES, 50, policy=policy))
        first, second = server.chat_requests
    assert completion.text == "好。" and completion.attempts == 2
    # 0.3 s of silence, then the abandoned request keeps its slot for another 0.3 s before the retry goes out
    assert second.at - first.at >= 0.55


def test_reasoning_never_reaches_the_answer():
    thought = "<think>用户要我写问题。我先想想格式……</think>\n\n"
    with StubServer() as server:
        server.queue(Reply(text=thought + ANSWER), Reply(text=ANSWER, reasoning="先分析一下要求，再动笔。"),
                     Reply(text="<think>想了很久还没想完", finish_reason="length"))
        model = model_for(server)
        inline, separate, unfinished = (asyncio.run(complete(model, MESSAGES, 400)) for _ in range(3))
    assert inline.text == ANSWER and inline.reasoning_chars >= len(thought.strip())
    assert separate.text == ANSWER and "分析" not in separate.text
    assert unfinished.text == "" and unfinished.finish_reason == "length"


def test_strip_reasoning_forms():
    assert strip_reasoning("<think>a</think>正文。") == ("正文。", 16)
    assert strip_reasoning("模板已打开思考</think>正文。")[0] == "正文。"
    assert strip_reasoning("<THINKING>x</THINKING>正文<think>y</think>。")[0] == "正文。"
    assert strip_reasoning("正文。") == ("正文。", 0)


def test_a_server_that_drops_an_answer_for_the_next_request_gets_one_at_a_time(caplog):
    """llama-cpp-python's server stops the answer it is streaming when a new request arrives (its default): the
    dropped answer ends with no finish reason. It is asked again, never taken as finished, and from then on the
    server gets one request at a time. (Before, each dropped answer failed the item as an "empty result".)"""
    caplog.set_level(logging.INFO)
    with StubServer(default=ANSWER, interrupting=True, token_latency=0.01) as server:
        model = model_for(server)
        policy = RetryPolicy(max_retries=4, base_delay=0.01, idle_timeout=5)

        async def many():
            results = await asyncio.gather(*(complete(model, MESSAGES, 200, policy=policy) for _ in range(4)))
            return results, endpoint_for(model, 5).limit

        results, limit = asyncio.run(many())
        interrupted = server.interrupted
    assert interrupted >= 1  # the stub really dropped answers
    assert [r.text for r in results] == [ANSWER] * 4 and all(r.finish_reason == "stop" for r in results)
    assert limit == 1 and "中断正在生成的回答" in caplog.text
    assert sum(r.attempts for r in results) == 4 + interrupted


def test_a_cut_answer_alone_is_asked_again_never_taken_as_finished():
    """One request in flight (--concurrency 1, a local server): the stream closes with no finish reason and no
    [DONE]. Before, the fragment was the answer and the draft said 通过."""
    fragment = "班子在这方面还存在差距，比如，电梯安"
    with StubServer() as server:
        server.queue(cut(fragment), ANSWER)
        policy = RetryPolicy(max_retries=2, base_delay=0.01, idle_timeout=5)
        completion = asyncio.run(complete(model_for(server), MESSAGES, 400, policy=policy))
        asked = len(server.chat_requests)
    assert completion.text == ANSWER and completion.attempts == 2 and asked == 2


def test_an_answer_cut_every_time_fails_the_item_honestly():
    with StubServer(default=None) as server:
        server.queue(*(cut("比如，电梯安") for _ in range(3)))
        policy = RetryPolicy(max_retries=2, base_delay=0.01, idle_timeout=5)
        with pytest.raises(ModelError, match="中断了回答") as caught:
            asyncio.run(complete(model_for(server), MESSAGES, 400, policy=policy))
    assert caught.value.code == "model-retries-exhausted"
