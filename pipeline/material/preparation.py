"""The preparation a preamble must state, in the unit's own numbers (study, 谈心谈话 人次, 征求意见 条数): what the
drafter tells the model and re-inserts, and what the reviewer looks for in a drafted preamble."""

from __future__ import annotations

from pipeline.core.resources import lexicon
from pipeline.material.profile import Profile


def preparation_facts(profile: Profile) -> list[str]:
    prep = profile.preparation
    words = lexicon("additions")["preparation_facts"]
    facts = list(prep.study_items())
    if prep.talks:
        facts.append(words["talks"].format(talks=prep.talks))
    if prep.opinions:
        facts.append(words["opinions"].format(opinions=prep.opinions))
    return facts + list(prep.other)
