"""How the `duizhao` commands fail: one line on stderr and an exit code, never a traceback for the user.

0 ok · 1 findings (or a failed unit in a batch) · 2 bad input (file, field, spec, output place, store, model)
· 3 internal error (a bug: DUIZHAO_DEBUG=1 shows the traceback) · 130 interrupted (the cache is kept)
· 141 the reader of the output went away (`duizhao … | head`), as a program stopped by SIGPIPE reports it.
"""

from __future__ import annotations

import functools

import typer

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130
EXIT_READER_GONE = 141


def reader_gone() -> None:
    """The program reading our output closed it (`| head`): nothing is wrong with the disk, and nothing more is
    printed. What is still buffered goes to /dev/null, so Python's exit flush raises nothing either."""
    import os  # lazy: keeps `duizhao --help` fast
    import sys  # lazy: keeps `duizhao --help` fast

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(EXIT_READER_GONE)


class _Audience:
    """Whether the running command was asked for --json: then an error is a JSON object with its stable code."""

    as_json = False


def fail(message: str, code: str = "bad-input", exit_code: int = EXIT_BAD_INPUT) -> None:
    """People read one Chinese line; with --json, machines get {"error": {"code", "message", "exit_code"}} on stdout."""
    if _Audience.as_json:
        import json  # lazy: keeps `duizhao --help` fast

        typer.echo(json.dumps({"error": {"code": code, "message": message, "exit_code": exit_code}}, ensure_ascii=False))
    else:
        typer.echo(f"错误：{message}", err=True)
    raise typer.Exit(exit_code)


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "…"


class _EchoWarnings:
    """Warnings the library logs (a skipped file, a retried request) reach the user as 警告： lines on stderr."""

    installed = False

    @classmethod
    def install(cls) -> None:
        import logging  # lazy: keeps `duizhao --help` fast

        if cls.installed:
            return

        class Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                typer.echo(f"警告：{record.getMessage()}", err=True)

        logger = logging.getLogger("pipeline")
        logger.addHandler(Handler(logging.WARNING))
        cls.installed = True


def handles_errors(command):
    """Turn library errors into one clear line and exit 2; never a traceback for expected failures.
    Anything else is a bug: one line and exit 3 (DUIZHAO_DEBUG=1 shows the traceback)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        import asyncio  # lazy: keeps `duizhao --help` fast
        import errno  # lazy: keeps `duizhao --help` fast
        import os  # lazy: keeps `duizhao --help` fast

        import click  # lazy: keeps `duizhao --help` fast

        from pipeline.core.errors import PipelineError  # lazy: keeps `duizhao --help` fast

        _EchoWarnings.install()
        _Audience.as_json = bool(kwargs.get("as_json"))
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except PipelineError as exc:
            from pipeline.core.redact import redact  # lazy: keeps `duizhao --help` fast

            fail(_one_line(redact(str(exc))), exc.code, exc.exit_code)
        except (KeyboardInterrupt, asyncio.CancelledError):
            typer.echo("已中断；已完成的部分已保存，重新运行同一命令即可续做。", err=True)
            raise typer.Exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            reader_gone()
        except OSError as exc:
            # The disk, not the program: full, read-only, a path that vanished while we worked.
            if os.environ.get("DUIZHAO_DEBUG"):
                raise
            from pipeline.core.redact import redact  # lazy: keeps `duizhao --help` fast

            where = f"{exc.filename}：" if exc.filename else ""
            full = "磁盘空间已满" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else (exc.strerror or exc)
            fail(_one_line(redact(f"读写文件失败：{where}{full}（请检查磁盘空间和读写权限）")), "io-error")
        except Exception as exc:
            if os.environ.get("DUIZHAO_DEBUG"):
                raise
            from pipeline.core.redact import redact  # lazy: keeps `duizhao --help` fast

            detail = _one_line(redact(f"{type(exc).__name__}: {exc}"))
            fail(f"内部错误：{detail}（请报告；设置 DUIZHAO_DEBUG=1 可显示详细信息）", "internal", EXIT_INTERNAL)

    return wrapper
