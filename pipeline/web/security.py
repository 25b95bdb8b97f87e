"""Access control and upload guards.

- A token (when set) must come with every request: ?token= once (then a cookie), the X-Duizhao-Token header,
  or the cookie. Without one the server answers 401 and nothing else.
- On a loopback bind, the Host header must be a loopback name: another site's page cannot reach the server
  by rebinding its own domain name to 127.0.0.1.
- Requests that change anything must carry the X-Duizhao header, which a cross-site form cannot send.
"""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import PurePath

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from pipeline.core.errors import InputError

TOKEN_COOKIE = "duizhao_token"
TOKEN_HEADER = "x-duizhao-token"
CSRF_HEADER = "x-duizhao"
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def is_loopback(host: str) -> bool:
    if host.strip("[]") in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def make_guard(token: str | None, loopback: bool, max_body: int):
    async def guard(request: Request, call_next) -> Response:
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > max_body:
            return PlainTextResponse("上传内容过大", status_code=413)
        if loopback and not is_loopback(host_name(request.headers.get("host", ""))):
            return PlainTextResponse("只接受本机地址（127.0.0.1 / localhost）的访问", status_code=400)
        if token:
            given = request.query_params.get("token")
            if given is not None and secrets.compare_digest(given.encode(), token.encode()) \
                    and request.method == "GET":
                # Trade the token in the address for a cookie, and drop it from the address bar.
                target = request.url.remove_query_params("token")
                response = RedirectResponse(str(target.path) + (f"?{target.query}" if target.query else ""), 303)
                response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
                return response
            presented = request.headers.get(TOKEN_HEADER) or request.cookies.get(TOKEN_COOKIE) or ""
            if not secrets.compare_digest(presented.encode(), token.encode()):
                return PlainTextResponse("需要访问令牌：请使用启动时显示的完整地址（含 ?token=…）打开", status_code=401)
        if request.method not in SAFE_METHODS and request.headers.get(CSRF_HEADER) != "1":
            return PlainTextResponse("请求被拒绝：请从工作台页面操作", status_code=403)
        return await call_next(request)

    return guard


def upload_suffix(filename: str | None, allowed: tuple[str, ...], what: str) -> str:
    """The lower-case extension of a user's file name, checked against `allowed`. The name itself is never used
    as a path: uploads are saved under fixed names."""
    name = PurePath((filename or "").replace("\\", "/")).name
    suffix = PurePath(name).suffix.lower()
    if suffix not in allowed:
        raise InputError(f"{what}应为 {' / '.join(allowed)} 文件，收到：{name or '（无文件名）'}")
    return suffix


async def read_upload(upload, limit: int, what: str) -> bytes:
    """At most `limit` bytes; a larger file is refused without reading it whole."""
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{what}过大（上限 {limit // 1024} KB）")
    if not data:
        raise InputError(f"{what}是空文件")
    return data
