"""How an endpoint's HTTP failures are read: what a retry may fix, what ends the run, how long to wait."""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Mapping
from typing import Any

from pipeline.core.errors import ModelError

RETRY_STATUS = {408, 409, 429}
CONTENT_FILTER_CODES = {"content_filter", "data_inspection_failed", "content_policy_violation"}
# A 429 (or 402) that no waiting fixes: the account has no quota or balance left (OpenAI, DeepSeek, DashScope).
# A per-minute "quota" is a rate limit and is waited out.
_QUOTA = re.compile(r"insufficient[_ ]quota|insufficient[_ ]balance|exceeded your current quota|billing|arrearage"
                    r"|余额不足|欠费|额度(?:已用完|不足|耗尽)", re.I)
_KEY_PATTERN = re.compile(r"(sk-[A-Za-z0-9_\-]{6,}|Bearer\s+\S+)")


class Retry(Exception):
    """A failure worth another attempt; `reason` is a short Chinese phrase, `wait` a server-given delay."""

    def __init__(self, reason: str, wait: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


def not_an_api(base_url: str) -> ModelError:
    return ModelError(f"OPENAI_BASE_URL（{base_url}）返回的是网页（HTML），不是 OpenAI 兼容的模型接口：请检查地址"
                      "（通常以 /v1 结尾，如 http://127.0.0.1:8080/v1）", code="model-not-api")


def is_html(content_type: str, body: bytes | str = b"") -> bool:
    head = (body[:200].decode("utf-8", "replace") if isinstance(body, bytes) else body[:200]).lstrip().lower()
    return "text/html" in content_type.lower() or head.startswith(("<!doctype html", "<html"))


def status_error(error: Any, base_url: str = "") -> Exception:
    status = error.status_code
    response = getattr(error, "response", None)
    if response is not None and is_html(response.headers.get("content-type", ""), _text(response)):
        return not_an_api(base_url)
    code = str(getattr(error, "code", "") or _body_field(error, "code") or "")
    detail = str(_body_field(error, "message") or "")
    if status == 402 or (status == 429 and _QUOTA.search(f"{code} {detail}")):
        return ModelError(f"模型服务账户额度已用完或余额不足（HTTP {status}：{short(detail or code, 60)}），"
                          "请充值或更换 OPENAI_API_KEY", code="model-quota")
    if status == 429 or status >= 500 or status in RETRY_STATUS:
        return Retry(f"HTTP {status}", retry_after(error.response.headers))
    if code in CONTENT_FILTER_CODES:
        return ModelError("模型服务的内容审核拦截了本次请求，请改写单位情况或参考材料中可能敏感的表述后重试",
                          code="model-content-filter")
    if status in (401, 403):
        return ModelError(f"模型服务认证失败（HTTP {status}），请检查 OPENAI_API_KEY 是否正确、是否有权使用该模型",
                          code="model-auth")
    if status == 404:
        return ModelError("模型服务找不到该接口或模型（HTTP 404），请检查 OPENAI_BASE_URL 和 DUIZHAO_MODEL",
                          code="model-not-found")
    return ModelError(f"模型服务拒绝了请求（HTTP {status}）：{short(detail)}", code="model-rejected")


def _text(response: Any) -> str:
    try:
        return response.text[:200]
    except Exception:  # noqa: BLE001 - a body not read (streamed): the content type decides
        return ""


def _body_field(error: Any, name: str) -> Any:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            return inner.get(name)
    return None


def retry_after(headers: Mapping[str, str]) -> float | None:
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


def short(text: str, limit: int = 120) -> str:
    text = " ".join(_KEY_PATTERN.sub("***", text).split())
    return text if len(text) <= limit else text[:limit] + "…"
