"""The chat endpoint: settings from the environment, one factory, and `complete` with our own retries.

"Retry" here means a network retry of the same request; asking the model again for a better answer is the
drafter's re-ask. The client is built with max_retries=0 and no read timeout: answers are streamed and
`endpoint.Endpoint` times out on the server's silence, not on the length of an answer. `complete` knows
which failures are worth retrying (rate limits, 5xx, silence, a connection lost mid-run) and which end the
run at once (endpoint unreachable from the start, bad key, no quota, moderation, malformed answers).
Any BaseChatModel works, so tests inject langchain's fake models.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import time
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from pipeline.core.errors import InputError, ModelError
from pipeline.models.endpoint import IdleTimeout, Interrupted, endpoint_for
from pipeline.models.failures import Retry, short, status_error
from pipeline.core.redact import redact


DEFAULT_MODEL = "gpt-4o-mini"
# Local servers (llama.cpp, vLLM, Ollama) accept any key, but the OpenAI client refuses to start without one.
PLACEHOLDER_KEY = "not-needed"
CONNECT_TIMEOUT = 8.0  # seconds to open a connection: a dead endpoint is reported within 10 s
FATAL_CODES = {"model-unreachable", "model-auth", "model-quota", "model-not-found", "model-rate-limited"}


class ChatSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str | None = None
    # Excluded from dumps and repr: settings may be logged or written next to a draft.
    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)
    model: str = DEFAULT_MODEL
    timeout: float = Field(default=120.0, gt=0)  # seconds of silence from the server (between streamed chunks)
    max_retries: int = Field(default=4, ge=0, le=20)
    temperature: float = Field(default=0.7, ge=0, le=2)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "ChatSettings":
        """OPENAI_BASE_URL, OPENAI_API_KEY, DUIZHAO_MODEL, DUIZHAO_TIMEOUT, DUIZHAO_MAX_RETRIES,
        DUIZHAO_TEMPERATURE; keyword overrides (e.g. CLI options) win, None means "not given"."""
        env = os.environ if environ is None else environ
        names = {"base_url": "OPENAI_BASE_URL", "api_key": "OPENAI_API_KEY", "model": "DUIZHAO_MODEL",
                 "timeout": "DUIZHAO_TIMEOUT", "max_retries": "DUIZHAO_MAX_RETRIES",
                 "temperature": "DUIZHAO_TEMPERATURE"}
        values: dict[str, Any] = {}
        for field, name in names.items():
            raw = (env.get(name) or "").strip()
            if raw:
                values[field] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "base_url" in values and not re.match(r"https?://", str(values["base_url"])):
            raise InputError(f"模型接口地址无效：{values['base_url']}（应以 http:// 或 https:// 开头）")
        try:
            return cls(**values)
        except ValidationError as error:
            fields = "、".join(str(e["loc"][0]) for e in error.errors())
            raise InputError(f"模型设置无效：{fields}（请检查环境变量 OPENAI_*/DUIZHAO_* 或命令行参数）") from None

    def configured(self) -> bool:
        """True when an endpoint was named: a base URL (local server) or a key (api.openai.com)."""
        return bool(self.base_url or (self.api_key and self.api_key.get_secret_value()))

    def retry_policy(self) -> "RetryPolicy":
        return RetryPolicy(max_retries=self.max_retries, idle_timeout=self.timeout)


def configured(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the environment names a chat endpoint (so drafting can use a model)."""
    env = os.environ if environ is None else environ
    return bool((env.get("OPENAI_BASE_URL") or "").strip() or (env.get("OPENAI_API_KEY") or "").strip())


class RetryPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_retries: int = Field(default=4, ge=0)
    base_delay: float = Field(default=1.0, ge=0)  # first backoff; doubles each retry, with jitter
    max_delay: float = Field(default=30.0, ge=0)
    # A server asking to wait longer ends the run, saying when to come back (a silent hour helps nobody).
    max_retry_after: float = Field(default=60.0, ge=0)
    # Seconds the server may stay silent (no chunk to any of our requests) before an attempt is abandoned.
    idle_timeout: float = Field(default=120.0, gt=0)


class Completion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    finish_reason: str = "stop"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 1
    seconds: float = 0.0
    reasoning_chars: int = 0  # <think>…</think> text removed from the answer


def build_chat_model(settings: ChatSettings) -> BaseChatModel:
    from langchain_openai import ChatOpenAI  # lazy: heavy library, loaded only where used
    # openai's own Timeout: its HTTP client is httpx in 1.x/2.x and httpx2 from 3.x, which refuses the other's.
    from openai import Timeout  # lazy: heavy library, loaded only where used

    official = not settings.base_url or "api.openai.com" in settings.base_url
    return (ChatOpenAI if official else _compatible_class())(
        model=settings.model,
        base_url=settings.base_url,
        api_key=settings.api_key or SecretStr(PLACEHOLDER_KEY),
        # No read timeout: a queued request waits for its turn; silence is timed by endpoint.Endpoint.
        timeout=Timeout(None, connect=min(CONNECT_TIMEOUT, settings.timeout)),
        max_retries=0,
        temperature=settings.temperature,
        streaming=True,
        stream_usage=True,
    )


@lru_cache(maxsize=1)
def _compatible_class():
    from langchain_openai import ChatOpenAI  # lazy: heavy library, loaded only where used

    class CompatibleChatOpenAI(ChatOpenAI):
        """For other OpenAI-compatible servers the limit goes out as `max_tokens`: ChatOpenAI renames it to
        `max_completion_tokens`, which several such servers ignore (nothing limits the answer) or reject."""

        def _get_request_payload(self, input_, *, stop=None, **kwargs):
            payload = super()._get_request_payload(input_, stop=stop, **kwargs)
            if "max_completion_tokens" in payload:
                payload["max_tokens"] = payload.pop("max_completion_tokens")
            return payload

    return CompatibleChatOpenAI


async def complete(
    chat_model: BaseChatModel,
    messages: Sequence[Any],
    max_tokens: int,
    *,
    policy: RetryPolicy | None = None,
) -> Completion:
    """One chat completion, streamed; retries transient failures with exponential backoff and Retry-After."""
    policy = policy or RetryPolicy()
    secrets = secrets_of(chat_model)
    endpoint = endpoint_for(chat_model, policy.idle_timeout)
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        try:
            message = await _invoke(chat_model, messages, max_tokens, endpoint)
        except Retry as retry:
            if retry.wait is not None and retry.wait > policy.max_retry_after:
                raise endpoint.fail(_come_back_later(retry.wait)) from None
            if attempt > policy.max_retries:
                raise ModelError(
                    f"模型服务连续 {attempt} 次请求失败（最后一次：{retry.reason}），请稍后重试或检查 OPENAI_BASE_URL",
                    code="model-retries-exhausted",
                ) from None
            delay = _backoff(policy, attempt, retry.wait)
            endpoint.warn_once(retry.reason, "模型请求失败（%s），将自动重试（每段最多 %d 次）",
                               _redact(retry.reason, secrets), policy.max_retries)
            await asyncio.sleep(delay)
            continue
        except ModelError as error:
            clean = ModelError(_redact(str(error), secrets), code=error.code)
            raise (endpoint.fail(clean) if clean.code in FATAL_CODES else clean) from None
        return _completion(message, attempt, time.monotonic() - started)


async def _invoke(chat_model: BaseChatModel, messages: Sequence[Any], max_tokens: int, endpoint):
    """Stream one answer and translate every failure into Retry or ModelError."""
    import openai  # lazy: heavy library, loaded only where used

    try:
        return await endpoint.stream(chat_model, messages, max_tokens)
    except (IdleTimeout, asyncio.TimeoutError, TimeoutError):
        # The abandoned answer may still be generating: the retry waits until its slot is free.
        raise Retry(f"模型服务 {endpoint.idle_timeout:g} 秒没有任何输出",
                    max(0.0, endpoint.ghost_until - time.monotonic())) from None
    except Interrupted:
        raise Retry("模型服务中断了回答") from None
    except openai.APIConnectionError:
        if not endpoint.succeeded:  # refused, DNS, unreachable from the start: no retry will fix it
            raise ModelError(f"无法连接模型服务 {_base_url(chat_model)}（连接被拒绝、域名无法解析或超时），"
                             "请检查 OPENAI_BASE_URL 和模型服务是否已启动", code="model-unreachable") from None
        raise Retry("无法连接模型服务") from None
    except openai.APIStatusError as error:
        raise status_error(error) from None
    except ConnectionError:
        raise Retry("连接中断") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ModelError("模型服务返回的内容不是有效的 JSON，请检查 OPENAI_BASE_URL 是否指向 OpenAI 兼容接口",
                         code="model-bad-response") from None
    except (IndexError, KeyError, TypeError) as error:
        if isinstance(error, IndexError) or "choices" in str(error):
            raise ModelError("模型服务返回了空结果（没有 choices），请检查模型名称是否可用", code="model-empty") from None
        raise
    except ValueError as error:
        if "No generation chunks" in str(error):
            raise ModelError("模型服务返回了空结果（没有 choices），请检查模型名称是否可用", code="model-empty") from None
        if "Unexpected response type" in str(error):
            raise ModelError("模型服务返回的内容不是有效的 JSON，请检查 OPENAI_BASE_URL 是否指向 OpenAI 兼容接口",
                             code="model-bad-response") from None
        raise ModelError(f"模型服务返回了错误：{short(str(error))}", code="model-bad-response") from None


def _come_back_later(wait: float) -> ModelError:
    at = time.localtime(time.time() + wait)
    when = time.strftime("%H:%M" if wait < 20 * 3600 else "%m月%d日 %H:%M", at)
    span = f"{round(wait / 3600, 1):g} 小时" if wait >= 3600 else f"{max(1, round(wait / 60))} 分钟"
    return ModelError(f"模型服务限流，要求 {span}后再试（约 {when} 之后）：本次运行先停在这里，届时重新运行同一命令即可续做",
                      code="model-rate-limited")


def _base_url(chat_model: Any) -> str:
    return str(getattr(chat_model, "openai_api_base", None) or "https://api.openai.com/v1")


def _backoff(policy: RetryPolicy, attempt: int, server_wait: float | None) -> float:
    if server_wait is not None:
        return min(server_wait, policy.max_retry_after)
    delay = min(policy.base_delay * 2 ** (attempt - 1), policy.max_delay)
    return delay * random.uniform(0.8, 1.2)  # jitter spreads out parallel drafts hitting the same limit


def _completion(message: Any, attempts: int, seconds: float) -> Completion:
    meta = getattr(message, "response_metadata", None) or {}
    finish = str(meta.get("finish_reason") or "stop")
    if finish == "content_filter":
        raise ModelError("模型服务的内容审核中止了生成，请改写单位情况或参考材料中可能敏感的表述后重试",
                         code="model-content-filter")
    content = "" if message is None else getattr(message, "content", message)
    if not content and not meta.get("finish_reason"):  # a stream of chunks without choices
        raise ModelError("模型服务返回了空结果（没有 choices），请检查模型名称是否可用", code="model-empty")
    if isinstance(content, list):  # content blocks
        content = "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    text, reasoning = strip_reasoning(str(content))
    usage = getattr(message, "usage_metadata", None) or {}
    return Completion(
        text=text,
        reasoning_chars=reasoning,
        finish_reason=finish,
        prompt_tokens=int(usage.get("input_tokens") or 0),
        completion_tokens=int(usage.get("output_tokens") or 0),
        attempts=attempts,
        seconds=round(seconds, 3),
    )


_THINK = re.compile(r"<(think|thinking|reasoning)>.*?(?:</\1>|\Z)", re.S | re.I)
_THINK_TAIL = re.compile(r"\A.*?</(?:think|thinking|reasoning)>", re.S | re.I)


def strip_reasoning(text: str) -> tuple[str, int]:
    """Reasoning models (DeepSeek-R1, Qwen3, QwQ) think aloud in <think>…</think>; none of it is the answer.
    An unclosed <think> (cut for length) leaves nothing; a lone </think> (the template opened it) ends it."""
    before = len(text)
    text = _THINK.sub("", text)
    text = _THINK_TAIL.sub("", text)
    return text.strip(), before - len(text.strip())




def secrets_of(chat_model: Any) -> list[str]:
    found = []
    for name in ("openai_api_key", "api_key"):
        value = getattr(chat_model, name, None)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, str) and value and value != PLACEHOLDER_KEY:
            found.append(value)
    return found


def _redact(text: str, secrets: Sequence[str]) -> str:

    return redact(text, secrets)
