"""What a material is checked against: a unit profile, or a meeting file (the 班子's fields and every member).
For a meeting, the member a personal material belongs to is found by the name in its title; the facts a material
may state are all of the meeting file's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.material.meeting import MeetingFile, group_profile, is_meeting_file, load_meeting, member_profile
from pipeline.material.profile import Profile, load_profile, resolve_spec
from pipeline.material.specs import MeetingSpec


@dataclass
class Reference:
    path: Path
    facts: Profile  # everything the file holds (a meeting file with its members)
    spec: MeetingSpec

    @property
    def meeting(self) -> MeetingFile | None:
        return self.facts if isinstance(self.facts, MeetingFile) else None

    def member(self, title: str):
        meeting = self.meeting
        if meeting is None:
            return None
        return next((m for m in sorted(meeting.members, key=lambda m: -len(m.name)) if m.name in (title or "")), None)

    def profile_for(self, kind, title: str) -> Profile:
        """The profile a material of this kind is held to: a member's for a personal material, else the 班子's."""
        meeting = self.meeting
        if meeting is None:
            return self.facts
        member = self.member(title) if kind.voice == "personal" else None
        if member is not None:
            return member_profile(meeting, member, self.spec)
        return group_profile(meeting, self.spec, self.path)

    def unit_names(self, title: str) -> list[str]:
        """Names that say what kind of unit this is: the member's post, the unit's name and type, the title."""
        member = self.member(title)
        unit = self.facts.unit
        return [*([member.post] if member else []), unit.name, unit.type or "", title]

    def post(self, title: str) -> str:
        member = self.member(title)
        return member.post if member else ""


def load_reference(path: str | Path) -> Reference:
    path = Path(path)
    if is_meeting_file(path):
        meeting, spec = load_meeting(path)
        return Reference(path, meeting, spec)
    profile = load_profile(path)
    return Reference(path, profile, resolve_spec(profile, path.parent))
