"""Which session made which meeting spec from a notice. A spec made in the workbench belongs to the session that
confirmed it (listed and usable there only, and deletable there); specs made with `duizhao specs new` on the
server are the administrator's shared list, for everyone."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from pipeline.core.atomic import write_atomic

_LOCK = threading.Lock()


class SpecOwners:
    def __init__(self, data_dir: Path):
        self.path = data_dir / "spec-owners.json"

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def all(self) -> dict[str, str]:
        """spec id → the session that owns it, read once."""
        return self._read()

    def owner(self, spec_id: str) -> str | None:
        return self._read().get(spec_id)

    def visible(self, spec_id: str, session: str) -> bool:
        owner = self.owner(spec_id)
        return owner is None or owner == session

    def own(self, spec_id: str, session: str) -> None:
        with _LOCK:
            data = self._read()
            data[spec_id] = session
            write_atomic({self.path: json.dumps(data, ensure_ascii=False).encode("utf-8")})

    def forget(self, spec_id: str) -> None:
        with _LOCK:
            data = self._read()
            if data.pop(spec_id, None) is not None:
                write_atomic({self.path: json.dumps(data, ensure_ascii=False).encode("utf-8")})
