"""Per-session files under the data folder. Session and job ids are checked before they become a path."""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path

from pipeline.core.atomic import write_atomic
from pipeline.web.forms import FormState

ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_id() -> str:
    return secrets.token_urlsafe(18)


def valid_id(value: str | None) -> bool:
    return bool(value) and ID.fullmatch(value) is not None


class Session:
    """One browser's workspace: the form, the profile it was drafted from, the draft text and its 范文."""

    def __init__(self, root: Path, sid: str):
        if not valid_id(sid):
            raise ValueError("bad session id")
        self.id = sid
        self.folder = root / sid

    def path(self, name: str) -> Path:
        # Names are this module's constants, never user input.
        return self.folder / name

    def _write(self, name: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic({self.path(name): data})

    def _read_json(self, name: str, default):
        try:
            return json.loads(self.path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return default

    def form(self) -> FormState | None:
        data = self._read_json("form.json", None)
        if data is None:
            return None
        try:
            return FormState.model_validate(data)
        except ValueError:
            return None  # a damaged file is a fresh start, not a crash

    def save_form(self, state: FormState) -> None:
        self._write("form.json", state.model_dump_json(indent=1).encode("utf-8"))

    def meta(self) -> dict:
        return self._read_json("meta.json", {})

    def save_meta(self, meta: dict) -> None:
        self._write("meta.json", json.dumps(meta, ensure_ascii=False).encode("utf-8"))

    def passages(self) -> dict:
        return self._read_json("passages.json", {})

    def notes(self) -> list[dict]:
        return self._read_json("notes.json", [])

    def save_draft(self, text: str, passages: dict, meta: dict, profile_yaml: str | None,
                   notes: list[dict] | None = None) -> None:
        files = {self.path("draft.txt"): text.encode("utf-8"),
                 self.path("notes.json"): json.dumps(notes or [], ensure_ascii=False).encode("utf-8"),
                 self.path("passages.json"): json.dumps(passages, ensure_ascii=False).encode("utf-8"),
                 self.path("meta.json"): json.dumps(meta, ensure_ascii=False).encode("utf-8")}
        drafted = self.path("drafted-profile.yaml")
        if profile_yaml is not None:
            files[drafted] = profile_yaml.encode("utf-8")
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(files)
        if profile_yaml is None:
            drafted.unlink(missing_ok=True)

    def draft_text(self) -> str | None:
        try:
            return self.path("draft.txt").read_text(encoding="utf-8")
        except OSError:
            return None

    def save_text(self, text: str) -> None:
        self._write("draft.txt", text.encode("utf-8"))
