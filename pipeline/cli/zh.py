"""The command line's own words in Chinese: help layout, value kinds, usage errors.

typer ships its own copy of click whose messages are fixed English strings; only a few of typer's words go through
stdlib gettext, and gettext picks its language from LANG, which a user's shell does not reliably set. So this uses
the hooks typer and click offer for it instead: the root group class (`Typer(cls=...)`), each command's
`context_class` and that context's `formatter_class`, the help option's `help`, the `options_metavar`,
`subcommand_metavar` and `metavar` attributes, and running the app non-standalone so that usage errors reach us as
exceptions whose fields (param, option_name, possibilities) we say in Chinese. It walks the command tree, so every
command — including ones added later — is covered. Wording: lexicon/cli.yaml.
"""

from __future__ import annotations

import re
import sys

import typer
from rich.cells import cell_len
from typer import _click
from typer._click import exceptions as click_errors
from typer.core import TyperGroup

from pipeline.cli.errors import reader_gone
from pipeline.core.resources import lexicon

_TAG = re.compile(r"<([^<>]+)>")
_EXTRAS = re.compile(r"\s*\[([^\[\]]+)\]$")
_RANGE = re.compile(r"^(?:(?P<low>[\d.]+)<=)?x(?:<=(?P<high>[\d.]+)|>=(?P<min>[\d.]+))?$")
_CLOSING = set("，。；：、）》”！？")
_LABEL_END = re.compile(r"[（(：:；;，,。]")


def words() -> dict:
    return lexicon("cli")


def kind_label(tag: str) -> str:
    """typer's `<int>`, `<path>`, `<list[Path]>`, `<a|b>` as the Chinese kind of value."""
    types = words()["types"]
    inner = tag.strip()
    many = inner.startswith("list[") and inner.endswith("]")
    if many:
        inner = inner[5:-1]
    inner = inner.removesuffix(" range")
    if "|" in inner:
        label = inner  # the choices themselves: values the user types
    else:
        label = types.get(inner, types["default"])
    return label + (words()["list_suffix"] if many else "")


def _extras(text: str) -> str:
    """typer's `[required; default: x; 1<=x<=32]` after a help text, in Chinese."""
    match = _EXTRAS.search(text)
    if not match:
        return text
    said = words()["extras"]
    parts = []
    for part in match.group(1).split("; "):
        ranged = _RANGE.match(part)
        if part == "required":
            parts.append(said["required"])
        elif part.startswith("default: "):
            parts.append(said["default"].format(value=part[len("default: "):]))
        elif part.startswith("env var: "):
            parts.append(said["env_var"].format(value=part[len("env var: "):]))
        elif ranged and part != "x":
            low, high = ranged.group("low") or ranged.group("min"), ranged.group("high")
            parts.append(f"{low}–{high}" if low and high else (f"≥{low}" if low else f"≤{high}"))
        else:
            parts.append(part)
    return text[: match.start()] + "  [" + "；".join(parts) + "]"


def _wrap(text: str, width: int) -> list[str]:
    """Wrap by display cells (a Chinese character takes two), keeping runs of ASCII letters together."""
    lines, line = [], ""
    for token in re.findall(r"\[[^\[\]]*\]|[\x21-\x7e]+|\s+|.", text):
        if token.isspace():
            token = " "
            if not line:
                continue
        # A closing mark stays on the line it closes, even one cell over.
        if line and cell_len(line) + cell_len(token) > width and token not in _CLOSING:
            lines.append(line.rstrip())
            line = "" if token == " " else token
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


class ChineseFormatter(_click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, words()["usage"] if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(" " * self.current_indent + words()["sections"].get(heading, heading) + "：\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(_TAG.sub(lambda m: kind_label(m.group(1)), term), _extras(help or "")) for term, help in rows]
        first = min(max((cell_len(term) for term, _ in rows), default=0), col_max) + col_spacing
        for term, help in rows:
            self.write(" " * self.current_indent + term)
            if not help:
                self.write("\n")
                continue
            if cell_len(term) <= first - col_spacing:
                self.write(" " * (first - cell_len(term)))
            else:
                self.write("\n" + " " * (first + self.current_indent))
            lines = _wrap(help, max(self.width - first - self.current_indent, 20))
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(" " * (first + self.current_indent) + line + "\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for paragraph in text.split("\n\n"):
            for line in _wrap(paragraph, max(self.width - self.current_indent, 20)):
                self.write(indent + line + "\n")


class ChineseContext(_click.Context):
    formatter_class = ChineseFormatter


def argument_label(param) -> str:
    """An argument is shown by what it is (the start of its help text), not by its Python name."""
    label = _LABEL_END.split(param.help or "", 1)[0].replace(" ", "").strip()
    return label or words()["argument_fallback"]


def localize(command, parent=None) -> None:
    """Give a command and everything under it the Chinese context, metavars and help option."""
    said = words()
    command.context_class = ChineseContext
    command.rich_markup_mode = None  # the plain formatter path, which is ours
    if command.options_metavar:
        command.options_metavar = said["options_metavar"]
    if isinstance(command, TyperGroup):
        command.subcommand_metavar = said["subcommand_metavar"]
    ctx = ChineseContext(command, info_name=command.name, parent=parent)
    help_option = command.get_help_option(ctx)
    if help_option is not None:
        help_option.help = said["help_option"]
    for param in command.params:
        if param.param_type_name == "argument" and param.metavar is None:
            param.metavar = argument_label(param)
    for sub in getattr(command, "commands", {}).values():
        localize(sub, ctx)


def _name(param) -> str:
    if param is None:
        return ""
    if param.param_type_name == "argument":
        return f"“{param.metavar or param.name}”"
    return " / ".join(param.opts) or param.name


def _reason(error: click_errors.BadParameter) -> str:
    reasons = words()["reasons"]
    cause = error.__cause__
    details = cause.errors() if hasattr(cause, "errors") else []
    if details:
        kind, context = details[0].get("type", ""), details[0].get("ctx") or {}
        if kind in reasons:
            return reasons[kind].format(**{k: str(v) for k, v in context.items()})
        if kind in ("enum", "literal_error") and "expected" in context:
            return reasons["choice"].format(choices=context["expected"])
    return reasons["default"]


_PATTERNS = (
    (re.compile(r"^Got unexpected extra argument\(s\) \((?P<names>.*)\)$"), "extra_arguments"),
    (re.compile(r"^Missing command\.$"), "missing_command"),
    (re.compile(r"^No such command '(?P<name>.*)'\.(?: Did you mean (?P<names>.*)\?)?$"), "no_such_command"),
    (re.compile(r"^Option '(?P<name>.*)' requires an argument\.$"), "option_needs_value"),
    (re.compile(r"^Option '(?P<name>.*)' requires (?P<count>\d+) arguments\.$"), "option_needs_values"),
    (re.compile(r"^Option '(?P<name>.*)' does not take a value\.$"), "option_takes_no_value"),
    (re.compile(r"^Argument '(?P<name>.*)' takes (?P<count>\d+) values\.$"), "argument_values"),
)


def error_text(error: click_errors.UsageError) -> str:
    """One Chinese sentence for a usage error, from its fields (or its message's fixed shape)."""
    said = words()["errors"]
    if isinstance(error, click_errors.NoSuchOption):
        text = said["no_such_option"].format(name=error.option_name)
        if error.possibilities:
            text += said["no_such_option_hint"].format(names="、".join(sorted(error.possibilities)))
        return text
    if isinstance(error, click_errors.MissingParameter):
        param = error.param
        if param is not None and param.param_type_name == "option":
            return said["missing_option"].format(name=_name(param))
        return said["missing_argument"].format(name=_name(param) or words()["argument_fallback"])
    if isinstance(error, click_errors.BadParameter):
        if error.param is None:
            return said["invalid_value_plain"].format(reason=_reason(error))
        return said["invalid_value"].format(name=_name(error.param), reason=_reason(error))
    message = str(error.message)
    for pattern, key in _PATTERNS:
        match = pattern.match(message)
        if match:
            values = {k: (v or "") for k, v in match.groupdict().items()}
            values["names"] = "、".join(re.findall(r"'([^']*)'", values.get("names", ""))) or values.get("names", "")
            text = said[key].format(**values)
            if key == "no_such_command" and values["names"]:
                text += said["no_such_command_hint"].format(names=values["names"])
            return text
    return said["other"].format(message=message)


def show_usage_error(error: click_errors.UsageError) -> None:
    if isinstance(error, click_errors.NoArgsIsHelpError):
        typer.echo(error.format_message(), err=True)
        return
    line = "错误：" + error_text(error)
    if error.ctx is not None:
        usage = error.ctx.get_usage().strip()
        line += f"。{usage}（{words()['try_help'].format(command=error.ctx.command_path)}）"
    typer.echo(line, err=True)


class ChineseGroup(TyperGroup):
    """The root group: localizes the tree, then runs it and says usage errors in Chinese."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        localize(self)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except BrokenPipeError:  # help or usage printed into `| head`
            reader_gone()
        except click_errors.UsageError as error:
            if not standalone_mode:
                raise
            show_usage_error(error)
            sys.exit(error.exit_code)
        except click_errors.ClickException as error:
            if not standalone_mode:
                raise
            typer.echo("错误：" + error.format_message(), err=True)
            sys.exit(error.exit_code)
        except typer.Abort:
            if not standalone_mode:
                raise
            typer.echo(words()["errors"]["aborted"], err=True)
            sys.exit(1)
        if not standalone_mode:
            return result
        # Non-standalone returns an Exit's code, or the command's value (None for ours).
        sys.exit(result if isinstance(result, int) else 0)
