"""The chat client: the real ChatOpenAI over HTTP against the local stub, retries, errors, secrets, fakes."""

from __future__ import annotations

import asyncio
import logging
import math
import socket
import time

import openai
import pytest
from langchain_core.language_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage
from stub_server import (
    Reply,
    StubServer,
    auth_error,
    content_filter,
    empty_choices,
    fake_embedding,
    filtered_finish,
    hang,
    invalid_json,
    rate_limited,
    server_error,
    truncated,
)

from pipeline.core.errors import InputError, ModelError
from pipeline.models.chat import ChatSettings, Completion, RetryPolicy, build_chat_model, complete, configured

KEY = "sk-test-SECRET-9f8e7d6c5b4a"
FAST = RetryPolicy(max_retries=2, base_delay=0.01, max_delay=0.05)
MESSAGES = [("system", "你是党务材料写作助手。"), ("user", "请起草“理论学习”方面的问题。")]


def chat(server: StubServer, **overrides):
    settings = ChatSettings.from_env({}, base_url=server.url, api_key=KEY, model="stub-model",
                                     **{"timeout": 5.0, **overrides})
    return build_chat_model(settings)


def run(model, max_tokens: int = 400, policy: RetryPolicy = FAST, messages=MESSAGES) -> Completion:
    return asyncio.run(complete(model, messages, max_tokens, policy=policy))


# --- settings ---------------------------------------------------------------------------------------

def test_settings_from_env_with_overrides():
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_API_KEY": KEY, "DUIZHAO_MODEL": "qwen-plus",
           "DUIZHAO_TIMEOUT": "30", "DUIZHAO_MAX_RETRIES": "6"}
    settings = ChatSettings.from_env(env, model="deepseek-chat", temperature=None)
    assert settings.model == "deepseek-chat"  # an override wins; None means "not given"
    assert (settings.timeout, settings.max_retries, settings.temperature) == (30.0, 6, 0.7)
    assert settings.api_key.get_secret_value() == KEY
    assert settings.configured() and configured(env)
    assert not configured({}) and not ChatSettings.from_env({}).configured()
    assert configured({"OPENAI_BASE_URL": "http://localhost:11434/v1"})  # a local server needs no key


def test_key_is_never_serialised_or_shown():
    settings = ChatSettings.from_env({"OPENAI_API_KEY": KEY})
    for shown in (repr(settings), str(settings), settings.model_dump_json(), str(settings.model_dump())):
        assert KEY not in shown
    assert "api_key" not in settings.model_dump()
    assert KEY not in repr(build_chat_model(settings))


@pytest.mark.parametrize("env, field", [({"DUIZHAO_TIMEOUT": "soon"}, "timeout"),
                                        ({"DUIZHAO_MAX_RETRIES": "-1"}, "max_retries"),
                                        ({"OPENAI_BASE_URL": "localhost:8000"}, "http")])
def test_bad_settings_are_input_errors(env, field):
    with pytest.raises(InputError, match=field):
        ChatSettings.from_env(env)


# --- success and the request on the wire ------------------------------------------------------------

def test_success_sends_prompt_and_limit(stub_server):
    stub_server.queue("在理论学习方面，班子学习不够深入。")
    completion = run(chat(stub_server), max_tokens=300)
    assert completion.text == "在理论学习方面，班子学习不够深入。"
    assert completion.finish_reason == "stop" and completion.attempts == 1
    assert completion.completion_tokens == len(completion.text) and completion.prompt_tokens > 0
    [request] = stub_server.chat_requests
    assert request.user_text == "请起草“理论学习”方面的问题。"
    assert request.messages[0] == {"role": "system", "content": "你是党务材料写作助手。"}
    # Compatible servers get max_tokens (several ignore max_completion_tokens); no retries inside the client.
    assert request.body["max_tokens"] == 300 and "max_completion_tokens" not in request.body
    assert request.headers["authorization"] == f"Bearer {KEY}"


def test_length_limit_returns_cut_text_with_its_finish_reason(stub_server):
    stub_server.queue("在理论学习方面，班子学习不够深入。集中学习多，个人自学少。", truncated("不会用到", 3))
    completion = run(chat(stub_server), max_tokens=20)
    assert completion.finish_reason == "length" and len(completion.text) == 20
    assert run(chat(stub_server)).finish_reason == "length"


def test_streaming_through_the_stub(stub_server):
    stub_server.queue("一二三四五六七八九十。")
    model = chat(stub_server)
    model.streaming = True

    async def collect():
        return "".join([chunk.content async for chunk in model.astream(MESSAGES)])

    assert asyncio.run(collect()) == "一二三四五六七八九十。"
    assert stub_server.chat_requests[0].body["stream"] is True


# --- transient failures are retried ---------------------------------------------------------------

@pytest.mark.parametrize("headers", [{"retry-after-ms": "300"}, {"Retry-After": "0.3"}], ids=["ms", "seconds"])
def test_429_waits_as_told_then_succeeds(stub_server, headers):
    limited = rate_limited(0.3)
    limited.headers = headers
    stub_server.queue(limited, "好。")
    started = time.monotonic()
    completion = run(chat(stub_server), policy=RetryPolicy(max_retries=2, base_delay=0.001))
    assert completion.text == "好。" and completion.attempts == 2
    assert time.monotonic() - started >= 0.3  # our own backoff would have been 1 ms


@pytest.mark.parametrize("fault", [server_error(500), server_error(503), server_error(502)], ids=["500", "503", "502"])
def test_server_error_then_success(stub_server, fault):
    stub_server.queue(fault, "好。")
    completion = run(chat(stub_server))
    assert completion.text == "好。" and completion.attempts == 2
    assert len(stub_server.chat_requests) == 2


def test_timeout_then_success(stub_server):
    stub_server.queue(hang(3.0), "好。")
    started = time.monotonic()
    completion = run(chat(stub_server), policy=RetryPolicy(max_retries=2, base_delay=0.01, idle_timeout=0.3))
    assert completion.text == "好。" and completion.attempts == 2
    assert time.monotonic() - started < 2.0


def test_retries_exhausted_is_a_model_error(stub_server):
    stub_server.queue(*[server_error()] * 3)
    with pytest.raises(ModelError, match="连续 3 次") as caught:
        run(chat(stub_server))
    assert caught.value.code == "model-retries-exhausted"
    assert len(stub_server.chat_requests) == 3


def test_unreachable_server_fails_at_once_for_every_waiting_request():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    model = build_chat_model(ChatSettings(base_url=f"http://127.0.0.1:{port}/v1", api_key=KEY, timeout=2))

    async def many():
        return await asyncio.gather(*(complete(model, MESSAGES, 100, policy=RetryPolicy(max_retries=4))
                                      for _ in range(8)), return_exceptions=True)

    started = time.monotonic()
    errors = asyncio.run(many())
    assert time.monotonic() - started < 2.0  # no backoff of 1 + 2 + 4 + 8 s
    assert all(isinstance(e, ModelError) and e.code == "model-unreachable" for e in errors)
    assert len({str(e) for e in errors}) == 1 and f"127.0.0.1:{port}" in str(errors[0])


# --- failures that retrying cannot fix --------------------------------------------------------------

@pytest.mark.parametrize("fault, message, code", [
    (content_filter(), "内容审核", "model-content-filter"),
    (filtered_finish("部分"), "内容审核", "model-content-filter"),
    (invalid_json(), "JSON", "model-bad-response"),
    (empty_choices(), "空结果", "model-empty"),
    (Reply(status=404, body={"error": {"message": "The model `x` does not exist", "code": "model_not_found"}}),
     "404", "model-not-found"),
    (Reply(status=400, body={"error": {"message": "context length exceeded", "code": "context_length_exceeded"}}),
     "context length", "model-rejected"),
], ids=["content-filter-400", "content-filter-finish", "invalid-json", "empty-choices", "not-found", "bad-request"])
def test_unfixable_failures_are_one_clear_model_error(stub_server, fault, message, code):
    stub_server.queue(fault, "不该被请求到。")
    with pytest.raises(ModelError, match=message) as caught:
        run(chat(stub_server))
    assert caught.value.code == code
    assert "\n" not in str(caught.value)
    assert len(stub_server.chat_requests) == 1  # not retried


def test_auth_error_never_shows_the_key(stub_server, caplog):
    caplog.set_level(logging.DEBUG)
    stub_server.queue(rate_limited(0.01), auth_error(echo_key=True))  # the server echoes the key it got
    with pytest.raises(ModelError, match="认证失败") as caught:
        run(chat(stub_server))
    assert caught.value.code == "model-auth"
    assert KEY not in str(caught.value) and KEY not in repr(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert KEY not in caplog.text
    assert "重试" in caplog.text  # the 429 before it was logged


# --- the injection seam: langchain's fake chat models -----------------------------------------------

def test_fake_chat_models_work():
    generic = GenericFakeChatModel(messages=iter([AIMessage(content="在理论学习方面，班子学习不够深入。")]))
    completion = run(generic)
    assert completion.text == "在理论学习方面，班子学习不够深入。" and completion.finish_reason == "stop"
    listed = FakeListChatModel(responses=["甲。", "乙。"])
    assert [run(listed).text, run(listed).text] == ["甲。", "乙。"]


def test_idle_timeout_bounds_a_model_without_its_own():
    slow = FakeListChatModel(responses=["迟到。"], sleep=0.5)

    async def timed():
        started = time.monotonic()
        with pytest.raises(ModelError, match="没有任何输出"):
            await complete(slow, MESSAGES, 100, policy=RetryPolicy(max_retries=1, base_delay=0.01, idle_timeout=0.1))
        return time.monotonic() - started

    # two silent attempts of 0.1 s (the abandoned one keeps its slot 0.1 s more), not two of 0.5 s
    assert asyncio.run(timed()) < 0.9


# --- the stub's other endpoints and its latency model ------------------------------------------------

def test_concurrent_requests_overlap(stub_server):
    stub_server.token_latency = 0.02
    stub_server.default = "一二三四五六七八九十。"  # 11 tokens × 20 ms each

    model = chat(stub_server)

    async def many():
        started = time.monotonic()
        results = await asyncio.gather(*(complete(model, MESSAGES, 100, policy=FAST) for _ in range(4)))
        return results, time.monotonic() - started

    results, seconds = asyncio.run(many())
    assert [r.text for r in results] == ["一二三四五六七八九十。"] * 4
    assert stub_server.max_active >= 2 and seconds < 4 * 0.22  # one after another would take 0.88 s


def test_embeddings_are_deterministic_unit_vectors(stub_server):
    client = openai.OpenAI(base_url=stub_server.url, api_key=KEY)
    texts = ["理论学习不够深入", "理论学习不够系统", "加装电梯进度滞后"]
    first = client.embeddings.create(model="stub-embed", input=texts)  # the client asks for base64
    again = client.embeddings.create(model="stub-embed", input=texts, encoding_format="float")
    vectors = [d.embedding for d in first.data]
    assert vectors == [pytest.approx(d.embedding, abs=1e-6) for d in again.data]
    assert vectors[0] == pytest.approx(fake_embedding(texts[0]), abs=1e-6)
    assert all(math.isclose(sum(v * v for v in vec), 1.0, rel_tol=1e-5) for vec in vectors)
    cosine = [sum(a * b for a, b in zip(vectors[0], other)) for other in vectors[1:]]
    assert cosine[0] > cosine[1]  # shared words point the same way


def test_retry_after_past_a_minute_ends_at_once_saying_when(stub_server):
    for seconds, said in ((3600, "1 小时后再试"), (600, "10 分钟后再试")):
        stub_server.queue(rate_limited(seconds))
        started = time.monotonic()
        with pytest.raises(ModelError, match=said) as caught:
            run(chat(stub_server), policy=RetryPolicy(max_retries=4, base_delay=0.001))
        assert time.monotonic() - started < 5 and caught.value.code == "model-rate-limited"
        assert "重新运行同一命令" in str(caught.value)
