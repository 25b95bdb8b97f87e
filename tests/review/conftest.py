"""The shipped examples drafted offline once per session: the honest drafts the reviewer's warnings must be right on."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.draft.drafter import OfflineDrafter
from pipeline.material.profile import Profile, load_profile
from pipeline.run.runner import DraftOptions, draft_all

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@dataclass
class Drafted:
    profile_path: Path
    profile: Profile
    md: Path
    json: Path


@pytest.fixture(scope="session")
def offline_drafts(tmp_path_factory, retriever) -> dict[str, Drafted]:
    """Every example drafted with the offline drafter (the text does not depend on the embedder: 范文 only ride
    along as comments), by example name."""
    folder = tmp_path_factory.mktemp("offline-drafts")
    options = DraftOptions(outdir=folder, docx=False)
    results = asyncio.run(draft_all(EXAMPLES, options, OfflineDrafter, lambda: retriever))
    drafted = {}
    for path, result in zip(EXAMPLES, results):
        assert result.error is None, result.error
        outputs = [Path(o) for o in result.outputs]
        drafted[path.stem] = Drafted(path, load_profile(path), next(o for o in outputs if o.suffix == ".md"),
                                     next(o for o in outputs if o.suffix == ".json"))
    return drafted
