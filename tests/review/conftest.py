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


FIXTURES = ROOT / "tests" / "fixtures" / "review"
FRESH = FIXTURES / "zhongyiyuan-2025.yaml"  # a profile no example shares: a county hospital's 班子, 2025
TOWNSHIP_MEETING = ROOT / "examples" / "meetings" / "township-2025-niandu.yaml"


@pytest.fixture(scope="session")
def fresh_draft(tmp_path_factory, retriever) -> Drafted:
    """The fresh hospital profile drafted offline."""
    folder = tmp_path_factory.mktemp("fresh-draft")
    [result] = asyncio.run(draft_all([FRESH], DraftOptions(outdir=folder, docx=False), OfflineDrafter, lambda: retriever))
    assert result.error is None, result.error
    outputs = [Path(o) for o in result.outputs]
    return Drafted(FRESH, load_profile(FRESH), next(o for o in outputs if o.suffix == ".md"),
                   next(o for o in outputs if o.suffix == ".json"))


@pytest.fixture(scope="session")
def township_meeting(tmp_path_factory, retriever) -> Path:
    """The township meeting drafted offline: the folder with the 班子's, every member's and the criticism sheets."""
    from pipeline.run.meeting import draft_meeting

    folder = tmp_path_factory.mktemp("meeting")
    result = asyncio.run(draft_meeting(TOWNSHIP_MEETING, DraftOptions(outdir=folder, docx=False), OfflineDrafter,
                                       lambda: retriever))
    return Path(result.folder)
