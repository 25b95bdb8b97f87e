"""The chat endpoint: settings from the environment, one factory, and `complete` with our own retries.

The client is built with max_retries=0 so that every retry goes through `complete`, which knows which
failures are worth retrying (429, 5xx, timeouts, lost connections) and which are not (moderation,
credentials, malformed answers). Any BaseChatModel works, so tests inject langchain's fake models.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
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

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gpt-4o-mini"
# Local servers (llama.cpp, vLLM, Ollama) accept any key, but the OpenAI client refuses to start without one.
PLACEHOLDER_KEY = "not-needed"
RETRY_STATUS = {408, 409, 429}
CONTENT_FILTER_CODES = {"content_filter", "data_inspection_failed", "content_policy_violation"}


class ChatSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str | None = None
    # Excluded from dumps and repr: settings may be logged or written next to a draft.
    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)
    model: str = DEFAULT_MODEL
    timeout: float = Field(default=120.0, gt=0)
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
        return RetryPolicy(max_retries=self.max_retries, attempt_timeout=self.timeout + 5)


def configured(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the environment names a chat endpoint (so drafting can use a model)."""
    env = os.environ if environ is None else environ
    return bool((env.get("OPENAI_BASE_URL") or "").strip() or (env.get("OPENAI_API_KEY") or "").strip())


class RetryPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_retries: int = Field(default=4, ge=0)
    base_delay: float = Field(default=1.0, ge=0)  # first backoff; doubles each retry, with jitter
    max_delay: float = Field(default=30.0, ge=0)
    max_retry_after: float = Field(default=120.0, ge=0)  # a server asking for longer is capped here
    # A hard limit per attempt, for models that have no timeout of their own (None: rely on the client).
    attempt_timeout: float | None = None


class Completion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    finish_reason: str = "stop"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 1
    seconds: float = 0.0


def build_chat_model(settings: ChatSettings) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    official = not settings.base_url or "api.openai.com" in settings.base_url
    return (ChatOpenAI if official else _compatible_class())(
        model=settings.model,
        base_url=settings.base_url,
        api_key=settings.api_key or SecretStr(PLACEHOLDER_KEY),
        timeout=settings.timeout,
        max_retries=0,
        temperature=settings.temperature,
    )


@lru_cache(maxsize=1)
def _compatible_class():
    from langchain_openai import ChatOpenAI

    class CompatibleChatOpenAI(ChatOpenAI):
        """For other OpenAI-compatible servers the limit goes out as `max_tokens`: ChatOpenAI renames it to
        `max_completion_tokens`, which several such servers ignore (nothing limits the answer) or reject."""

        def _get_request_payload(self, input_, *, stop=None, **kwargs):
            payload = super()._get_request_payload(input_, stop=stop, **kwargs)
            if "max_completion_tokens" in payload:
                payload["max_tokens"] = payload.pop("max_completion_tokens")
            return payload

    return CompatibleChatOpenAI


class _Retry(Exception):
    """A failure worth another attempt; `reason` is a short Chinese phrase, `wait` a server-given delay."""

    def __init__(self, reason: str, wait: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


async def complete(
    chat_model: BaseChatModel,
    messages: Sequence[Any],
    max_tokens: int,
    *,
    policy: RetryPolicy | None = None,
) -> Completion:
    """One chat completion; retries transient failures with exponential backoff and Retry-After."""
    policy = policy or RetryPolicy()
    secrets = _secrets_of(chat_model)
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        try:
            message = await _invoke(chat_model, messages, max_tokens, policy.attempt_timeout)
        except _Retry as retry:
            if attempt > policy.max_retries:
                raise ModelError(
                    f"模型服务连续 {attempt} 次请求失败（最后一次：{retry.reason}），请稍后重试或检查 OPENAI_BASE_URL",
                    code="model-retries-exhausted",
                ) from None
            delay = _backoff(policy, attempt, retry.wait)
            log.warning("模型请求失败（%s），%.2f 秒后第 %d 次重试", _redact(retry.reason, secrets), delay, attempt)
            await asyncio.sleep(delay)
            continue
        except ModelError as error:
            raise ModelError(_redact(str(error), secrets), code=error.code) from None
        return _completion(message, attempt, time.monotonic() - started)


async def _invoke(chat_model: BaseChatModel, messages: Sequence[Any], max_tokens: int, limit: float | None):
    """Call the model once and translate every failure into _Retry or ModelError."""
    import openai

    try:
        call = chat_model.ainvoke(list(messages), max_tokens=max_tokens)
        return await (asyncio.wait_for(call, limit) if limit else call)
    except (asyncio.TimeoutError, TimeoutError, openai.APITimeoutError):
        raise _Retry("请求超时") from None
    except openai.APIConnectionError:
        raise _Retry("无法连接模型服务") from None
    except openai.APIStatusError as error:
        raise _status_error(error) from None
    except ConnectionError:
        raise _Retry("连接中断") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ModelError("模型服务返回的内容不是有效的 JSON，请检查 OPENAI_BASE_URL 是否指向 OpenAI 兼容接口",
                         code="model-bad-response") from None
    except (IndexError, KeyError, TypeError) as error:
        if isinstance(error, IndexError) or "choices" in str(error):
            raise ModelError("模型服务返回了空结果（没有 choices），请检查模型名称是否可用", code="model-empty") from None
        raise
    except ValueError as error:
        if "Unexpected response type" in str(error):
            raise ModelError("模型服务返回的内容不是有效的 JSON，请检查 OPENAI_BASE_URL 是否指向 OpenAI 兼容接口",
                             code="model-bad-response") from None
        raise ModelError(f"模型服务返回了错误：{_short(str(error))}", code="model-bad-response") from None


def _status_error(error: Any) -> Exception:
    status = error.status_code
    code = str(getattr(error, "code", "") or _body_field(error, "code") or "")
    if status == 429 or status >= 500 or status in RETRY_STATUS:
        return _Retry(f"HTTP {status}", _retry_after(error.response.headers))
    if code in CONTENT_FILTER_CODES:
        return ModelError("模型服务的内容审核拦截了本次请求，请改写单位情况或参考材料中可能敏感的表述后重试",
                          code="model-content-filter")
    if status in (401, 403):
        return ModelError(f"模型服务认证失败（HTTP {status}），请检查 OPENAI_API_KEY 是否正确、是否有权使用该模型",
                          code="model-auth")
    if status == 404:
        return ModelError("模型服务找不到该接口或模型（HTTP 404），请检查 OPENAI_BASE_URL 和 DUIZHAO_MODEL",
                          code="model-not-found")
    detail = _body_field(error, "message") or ""
    return ModelError(f"模型服务拒绝了请求（HTTP {status}）：{_short(str(detail))}", code="model-rejected")


def _body_field(error: Any, name: str) -> Any:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            return inner.get(name)
    return None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait: retry-after-ms, then Retry-After (seconds or an HTTP date)."""
    try:
        if headers.get("retry-after-ms"):
            return max(0.0, float(headers["retry-after-ms"]) / 1000)
    except ValueError:
        pass
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


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
    content = getattr(message, "content", message)
    if isinstance(content, list):  # content blocks
        content = "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    usage = getattr(message, "usage_metadata", None) or {}
    return Completion(
        text=str(content),
        finish_reason=finish,
        prompt_tokens=int(usage.get("input_tokens") or 0),
        completion_tokens=int(usage.get("output_tokens") or 0),
        attempts=attempts,
        seconds=round(seconds, 3),
    )


_KEY_PATTERN = re.compile(r"(sk-[A-Za-z0-9_\-]{6,}|Bearer\s+\S+)")


def _secrets_of(chat_model: Any) -> list[str]:
    found = []
    for name in ("openai_api_key", "api_key"):
        value = getattr(chat_model, name, None)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, str) and value and value != PLACEHOLDER_KEY:
            found.append(value)
    return found


def _redact(text: str, secrets: Sequence[str]) -> str:
    from pipeline.core.redact import redact

    return redact(text, secrets)


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(_KEY_PATTERN.sub("***", text).split())
    return text if len(text) <= limit else text[:limit] + "…"
