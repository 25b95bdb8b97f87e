"""`duizhao serve`: pick the bind, the token and the data folder, then run the app under uvicorn."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pipeline.core.errors import InputError
from pipeline.web.app import WebConfig, create_app
from pipeline.web.security import is_loopback
from platformdirs import user_data_path
import socket


def data_folder(given: Path | None) -> Path:
    """--data, else DUIZHAO_WEB_DIR, else web/ in DUIZHAO_HOME or the user's data folder (per platform)."""
    if given is not None:
        return given
    if os.environ.get("DUIZHAO_WEB_DIR"):
        return Path(os.environ["DUIZHAO_WEB_DIR"])
    if os.environ.get("DUIZHAO_HOME"):
        return Path(os.environ["DUIZHAO_HOME"]).expanduser() / "web"

    return user_data_path("duizhao", appauthor=False) / "web"


def resolve_token(host: str, token: str | None) -> tuple[str | None, bool]:
    """(token, generated): a non-loopback bind always has one."""
    if token is not None and not token.strip():
        raise InputError("--token 不能为空")
    if token or is_loopback(host):
        return token, False
    return secrets.token_urlsafe(16), True


def build(host: str, token: str | None, data: Path | None, keep_days: int = 90) -> tuple[object, WebConfig]:
    folder = data_folder(data)
    try:
        (folder / "sessions").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"无法创建工作台数据目录 {folder}：{exc.strerror or exc}") from exc
    if keep_days < 1:
        raise InputError(f"--keep-days 应为正整数（天），现为 {keep_days}")
    config = WebConfig(data_dir=folder, token=token, loopback=is_loopback(host), session_days=keep_days)
    return create_app(config), config


def run(app, host: str, port: int) -> None:

    import uvicorn  # lazy: heavy library, loaded only where used

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise InputError(f"无法监听 {host}:{port}（{exc.strerror or exc}）：端口可能已被占用，请换一个 --port") from exc
    uvicorn.run(app, host=host, port=port, log_level="warning")
