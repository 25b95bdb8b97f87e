"""`duizhao serve`: pick the bind, the token and the data folder, then run the app under uvicorn."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pipeline.core.errors import InputError
from pipeline.web.app import WebConfig, create_app
from pipeline.web.security import is_loopback
from platformdirs import user_data_path
import ipaddress
import socket
from contextlib import suppress


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


WILDCARDS = ("0.0.0.0", "::", "")


def _interface_addresses() -> list[str]:
    """IPv4 addresses of the machine's interfaces (Linux: each interface asked in turn)."""
    try:
        import fcntl
        import struct
    except ImportError:  # Windows: the host name resolves to every interface's address
        return []
    found = []
    for _, name in socket.if_nameindex():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                packed = fcntl.ioctl(probe.fileno(), 0x8915, struct.pack("256s", name.encode()[:15]))  # SIOCGIFADDR
            except OSError:
                continue
            found.append(socket.inet_ntoa(packed[20:24]))
    return found


def colleague_addresses(host: str) -> list[str]:
    """The addresses other computers can reach this server at: the bound address itself, or for 0.0.0.0 / :: every
    address of the machine's interfaces (never a loopback or link-local one)."""
    if host not in WILDCARDS:
        return [] if is_loopback(host) else [host]
    candidates: list[str] = []
    with suppress(OSError):
        # The address of the way out (a UDP connect sends nothing).
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.254.254.254", 1))
            candidates.append(probe.getsockname()[0])
    candidates += _interface_addresses()
    with suppress(OSError):
        candidates += [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)]
    if host == "::":
        with suppress(OSError):
            candidates += [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET6)]
    usable = []
    for address in candidates:
        parsed = ipaddress.ip_address(address.split("%")[0])
        if not (parsed.is_loopback or parsed.is_link_local or parsed.is_unspecified) and address not in usable:
            usable.append(address)
    return usable


def url_of(address: str, port: int, token: str | None) -> str:
    shown = f"[{address}]" if ":" in address else address
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def run(app, host: str, port: int) -> None:

    import uvicorn  # lazy: heavy library, loaded only where used

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        if os.name != "nt":
            # As uvicorn binds: connections closed by a crashed or stopped server (TIME_WAIT) do not hold the
            # port for a minute. (On Windows this option would let two servers share a port.)
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise InputError(f"无法监听 {host}:{port}（{exc.strerror or exc}）：端口可能已被占用，请换一个 --port") from exc
    uvicorn.run(app, host=host, port=port, log_level="warning")
