"""Per-session files under the data folder. Session and job ids are checked before they become a path."""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import stat
import threading
import time
from pathlib import Path

from pipeline.core.atomic import write_atomic
from pipeline.run.drafted import caches, has_confirmed, meeting_drafts, unit_drafts
from pipeline.web.forms import FormState

ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
TOUCH_EVERY = 600.0  # seconds: "last seen" is written at most this often per session
MEETING_RESULT = "meeting-result.json"  # the workbench's record of the meeting last drafted (its folder, its files)
MEETING_GIVEN = "meeting-given.json"  # the form that meeting was drafted from, and what its page shows of it
EDITED = "edited.json"  # the drafts the clerk edited in the review page (by their record, relative to the session)
log = logging.getLogger(__name__)


def new_id() -> str:
    return secrets.token_urlsafe(18)


def valid_id(value: str | None) -> bool:
    return bool(value) and ID.fullmatch(value) is not None


class Issued:
    """Session ids given out by this server run (a browser's first visits, before it saves anything): the most
    recent `keep` of them."""

    def __init__(self, keep: int = 100_000):
        self.ids: dict[str, None] = {}
        self.keep = keep
        self.lock = threading.Lock()

    def add(self, sid: str) -> str:
        with self.lock:
            self.ids[sid] = None
            while len(self.ids) > self.keep:
                del self.ids[next(iter(self.ids))]
        return sid

    def has(self, sid: str) -> bool:
        with self.lock:
            return sid in self.ids


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

    def form_revision(self) -> int:
        """How many times the form was saved: a page knows the one it was shown, so a page left open in another
        tab cannot save over what was typed since."""
        try:
            return int(self.path("form.rev").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return 0

    def save_form(self, state: FormState) -> int:
        revision = self.form_revision() + 1
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic({self.path("form.json"): state.model_dump_json(indent=1).encode("utf-8"),
                      self.path("form.rev"): str(revision).encode("utf-8")})
        return revision

    def replace_form(self, state: FormState, why: str, undone: bool = False) -> None:
        """A step that replaces what the clerk typed (a spec change, a notice confirmed, a file imported): the form
        before it is kept, so the step can be undone. `undone`: the step was just undone, so keeping the form it
        had made lets it be redone."""
        old = self.form()
        if old is not None:
            kept = {"why": why, "undone": undone, "form": old.model_dump(mode="json")}
            self._write("form.undo.json", json.dumps(kept, ensure_ascii=False).encode("utf-8"))
        self.save_form(state)

    def undo_step(self) -> str | None:
        """What the last replacing step was ("更换会议规范" …), when it can be undone."""
        kept = self._read_json("form.undo.json", None)
        return kept.get("why") if isinstance(kept, dict) else None

    def step_undone(self) -> bool:
        """The last replacing step of the form was undone: what is kept is its result, to redo it."""
        kept = self._read_json("form.undo.json", None)
        return isinstance(kept, dict) and bool(kept.get("undone"))

    def undo_target(self) -> FormState | None:
        """The form an undo (or redo) would bring back."""
        kept = self._read_json("form.undo.json", None)
        try:
            return FormState.model_validate(kept["form"])
        except (TypeError, KeyError, ValueError):
            return None

    def undo_form(self) -> FormState:
        """The form as it was before the last replacing step; the step itself becomes undoable in turn."""
        kept = self._read_json("form.undo.json", None)
        if not isinstance(kept, dict):
            raise ValueError("nothing to undo")
        before = FormState.model_validate(kept["form"])
        self.replace_form(before, kept.get("why") or "", undone=not kept.get("undone"))
        return before

    def meta(self) -> dict:
        return self._read_json("meta.json", {})

    def save_meta(self, meta: dict) -> None:
        self._write("meta.json", json.dumps(meta, ensure_ascii=False).encode("utf-8"))

    def passages(self) -> dict:
        return self._read_json("passages.json", {})

    def notes(self) -> list[dict]:
        return self._read_json("notes.json", [])

    DRAFT_FILES = ("draft.txt", "notes.json", "passages.json", "meta.json", "drafted-profile.yaml")

    def save_draft(self, text: str, passages: dict, meta: dict, profile_yaml: str | None,
                   notes: list[dict] | None = None, keep: str | None = None) -> None:
        """The session's current material. With `keep` (what replaces it: "上传材料", "重新起草"), the material it
        replaces (the clerk's edits in it too) is kept aside, so the step can be undone."""
        if keep and self.draft_text() is not None and not self.meta().get("meeting"):
            self._keep_draft(keep)
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

    def _keep_draft(self, why: str) -> None:
        aside = self.path("draft-undo")
        shutil.rmtree(aside, ignore_errors=True)
        aside.mkdir(parents=True)
        for name in self.DRAFT_FILES:
            if self.path(name).is_file():
                shutil.copy2(self.path(name), aside / name)
        (aside / "why.txt").write_text(why, encoding="utf-8")

    def draft_undo_step(self) -> str | None:
        try:
            return (self.path("draft-undo") / "why.txt").read_text(encoding="utf-8")
        except OSError:
            return None

    def draft_step_undone(self) -> bool:
        """The last step that replaced the material was undone: the material kept aside is its result."""
        return (self.path("draft-undo") / "undone").is_file()

    def kept_draft(self) -> Session | None:
        """The material the last upload or new draft replaced, read as the session's own (for its download)."""
        if self.draft_undo_step() is None:
            return None
        kept = Session(self.folder.parent, self.id)
        kept.folder = self.path("draft-undo")  # the same names inside: draft.txt, meta.json …
        return kept

    def undo_draft(self) -> None:
        """Bring back the material the last upload or new draft replaced; that step becomes undoable in turn."""
        aside = self.path("draft-undo")
        if self.draft_undo_step() is None:
            raise ValueError("nothing to undo")
        swap = self.path("draft-undo.swap")
        shutil.rmtree(swap, ignore_errors=True)
        swap.mkdir(parents=True)
        for name in self.DRAFT_FILES:
            if self.path(name).is_file():
                shutil.move(str(self.path(name)), swap / name)
        for name in self.DRAFT_FILES:
            if (aside / name).is_file():
                shutil.move(str(aside / name), self.path(name))
        (swap / "why.txt").write_text(self.draft_undo_step() or "", encoding="utf-8")
        if not self.draft_step_undone():
            (swap / "undone").touch()
        shutil.rmtree(aside, ignore_errors=True)
        swap.rename(aside)

    def keep_meeting_given(self, form: FormState, summary: dict) -> None:
        """What the clerk gave for the meeting drafted (the form as filled then) and its page's summary of it."""
        self._write(MEETING_GIVEN, json.dumps({"form": form.model_dump(mode="json"), "summary": summary},
                                              ensure_ascii=False).encode("utf-8"))

    def meeting_given(self) -> tuple[FormState, dict] | None:
        kept = self._read_json(MEETING_GIVEN, None)
        try:
            return FormState.model_validate(kept["form"]), dict(kept["summary"])
        except (TypeError, KeyError, ValueError):
            return None

    def size(self) -> int:
        return _bytes(self.folder)

    def _key(self, record) -> Path | None:
        """The draft a record belongs to: out/<unit>.json itself, or the meeting folder meeting-out/<meeting>."""
        parts = Path(record).parts if isinstance(record, str) and record else ()
        return self.folder.joinpath(*parts[:2]) if len(parts) >= 2 else None

    def _kept_drafts(self) -> set[Path]:
        """Drafts that stay whatever the quota: the current one, the one an undo brings back, the meeting its page
        lists, and every draft the clerk edited."""
        metas = [self.meta(), self._read_json("draft-undo/meta.json", {}), self._read_json(MEETING_RESULT, {})]
        metas = [m if isinstance(m, dict) else {} for m in metas]
        edited = self._read_json(EDITED, [])
        records = [metas[0].get("record"), metas[1].get("record"), *(edited if isinstance(edited, list) else [])]
        kept = {key for key in map(self._key, records) if key is not None}
        folder = metas[2].get("folder")
        return kept | ({Path(folder)} if isinstance(folder, str) and folder else set())

    def _mark_edited(self) -> None:
        record = self.meta().get("record")
        edited = self._read_json(EDITED, [])
        edited = edited if isinstance(edited, list) else []
        if record and record not in edited:
            self._write(EDITED, json.dumps([*edited, record], ensure_ascii=False).encode("utf-8"))

    def trim(self, quota: int) -> int:
        """Keep the session within its quota. Past it, superseded drafts go, oldest first: never the current one,
        the one an undo brings back, the meeting its page lists, or one the clerk edited or confirmed sentences in;
        then the drafting caches (made again as needed). The form, uploads and the draft she sees always stay.
        The bytes the session holds after."""
        if not self.folder.is_dir():
            return 0
        size = self.size()
        if size <= quota:
            return size
        kept = {p.resolve() for p in self._kept_drafts()}
        drafts = unit_drafts(self.path("out")) + meeting_drafts(self.path("meeting-out"))
        for draft in sorted(drafts, key=lambda d: d.time):
            if size <= quota:
                break
            if draft.key.resolve() in kept or (draft.key.suffix == ".json" and has_confirmed(draft.key)):
                continue
            for path in draft.files:
                size -= _bytes(path)
                _remove(path)
        if size > quota:
            for path in caches(self.folder):
                _remove(path)
        return self.size()

    def draft_text(self) -> str | None:
        try:
            return self.path("draft.txt").read_text(encoding="utf-8")
        except OSError:
            return None

    def save_text(self, text: str) -> None:
        """The clerk's edit of the current draft: kept, and the draft marked as edited (pruning keeps it)."""
        self._write("draft.txt", text.encode("utf-8"))
        self._mark_edited()


def _bytes(path: Path) -> int:
    if path.is_symlink() or not path.exists():
        return 0
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


class LastSeen:
    """Marks a session folder as used (its mtime) on any request, reads included, at most once per `every` seconds:
    the cleanup reads that mtime as the session's last visit."""

    def __init__(self, root: Path, every: float = TOUCH_EVERY, clock=time.monotonic):
        self.root, self.every, self.clock = root, every, clock
        self._touched: dict[str, float] = {}
        self._lock = threading.Lock()

    def seen(self, sid: str) -> None:
        now = self.clock()
        with self._lock:
            last = self._touched.get(sid)
            if last is not None and now - last < self.every:
                return
        folder = self.root / sid
        if not valid_id(sid) or folder.is_symlink() or not folder.is_dir():
            return  # a new session has no folder yet; an id without one is not remembered
        try:
            os.utime(folder)
        except OSError:
            return
        with self._lock:
            self._touched[sid] = now

    def forget(self, sid: str) -> None:
        with self._lock:
            self._touched.pop(sid, None)


def remove_stale_sessions(root: Path, max_age: float, busy: set[str] = frozenset(), now: float | None = None) -> list[str]:
    """Delete the session folders not used for `max_age` seconds (their cookie has expired, nobody can reach them).

    Only real directories directly under `root` whose name is a session id, and not in `busy` (a running job writes
    there). A symlink is never followed or removed. One folder that cannot be removed is logged and skipped."""
    now = time.time() if now is None else now
    removed: list[str] = []
    try:
        entries = list(os.scandir(root))
    except OSError as exc:
        log.warning("cannot list sessions in %s: %s", root, exc)
        return removed
    for entry in entries:
        if not valid_id(entry.name) or entry.name in busy:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISDIR(info.st_mode) or now - info.st_mtime <= max_age:
                continue
            shutil.rmtree(entry.path)
            removed.append(entry.name)
        except OSError as exc:
            log.warning("cannot remove expired session %s: %s", entry.path, exc)
    return removed
