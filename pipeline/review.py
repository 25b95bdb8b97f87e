"""The check stage as users call it: load a material, resolve its spec, run the structure and content checks."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from .check import CheckReport, check_structure
from .load import load_document
from .specs import load_spec


class CheckOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    spec: str | None = None
    profile: Path | None = None
    corpus: Path | None = None
    target_chars: int | None = None
    content: bool = True
    html: Path | None = None


def check_file(path: str | Path, options: CheckOptions | None = None) -> CheckReport:
    options = options or CheckOptions()
    spec = load_spec(options.spec) if options.spec else None
    parsed = load_document(path, spec)
    return check_structure(parsed, spec)
