"""Which kind of material a document is (班子对照检查材料, 个人对照检查材料, 相互批评意见, 整改清单, the meeting's
other documents): from `--kind` or its title. The registry is data (lexicon/kinds.yaml): a new kind is an entry there
and, if it has rules of its own, a rule set in kind_rules.py."""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from pipeline.core.errors import InputError
from pipeline.core.resources import lexicon


class Kind(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    titles: list[str]
    structure: str = "none"  # spec: read against the meeting spec's parts; none: a document of its own shape
    voice: str | None = None
    rules: list[str] = []

    @property
    def examined(self) -> bool:
        """A 对照检查 material: the spec's skeleton and the content rules of problems/causes/measures apply."""
        return self.structure == "spec"


@lru_cache(maxsize=1)
def kinds() -> dict[str, Kind]:
    data = lexicon("kinds")
    return {key: Kind(id=key, **value) for key, value in data["kinds"].items()}


def default_kind() -> Kind:
    return kinds()[lexicon("kinds")["default"]]


def kind_named(name: str) -> Kind:
    """A kind by id (personal) or Chinese name (个人对照检查材料, or a unique part of it: 批评意见)."""
    registry = kinds()
    if name in registry:
        return registry[name]
    found = [k for k in registry.values() if name == k.name] or [k for k in registry.values() if name and name in k.name]
    if len(found) != 1:
        shown = "、".join(k.name for k in registry.values())
        raise InputError(f"--kind “{name}”不是可识别的材料类别（可用：{shown}）")
    return found[0]


def kind_of(title: str, name: str | None = None) -> Kind:
    """The kind named, else the first whose title pattern the title matches, else the default (班子材料)."""
    if name:
        return kind_named(name)
    head = re.sub(r"\s+", "", title or "")
    for kind in kinds().values():
        if any(re.search(pattern, head) for pattern in kind.titles):
            return kind
    return default_kind()
