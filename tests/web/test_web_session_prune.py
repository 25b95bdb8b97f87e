"""A session past its quota loses its superseded drafts, oldest first: never the current draft, the one an undo
brings back, or one the clerk edited; the form and the pages keep working."""

from __future__ import annotations


import pytest

from pipeline.web.store import Session
from tests.web.jobs import finished

H = {"X-Duizhao": "1"}
UNITS = ["东山村党支部", "西山村党支部", "南山村党支部", "北山村党支部", "中山村党支部", "青山村党支部"]


def draft(client, unit: str) -> None:
    form = {"spec": "generic-zuzhi", "unit_name": unit, "self_name": "支部班子", "year": "2025",
            "aspects": {"思想认识": [{"problem": "学习和村里工作结合不紧", "facts": ["全年集中学习6次，4次是读文件"],
                                  "measure": "每次学习围绕一件村里实事研讨"}]}}
    assert client.post("/api/form", json=form, headers=H).status_code == 200
    # The clerk agrees to draft over an edited draft (the workbench asks; the edited one is kept aside).
    job = client.post("/api/draft", json={"offline": True, "replace": True}, headers=H).json()["job"]
    finished(client, job)


def held(out, unit: str) -> int:
    paths = [p for p in out.iterdir() if p.is_file() and p.stem == unit] + [out / ".duizhao" / unit]
    return sum(f.stat().st_size for p in paths for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file())


@pytest.mark.slow  # six offline drafts through the workbench
def test_past_the_quota_the_oldest_unedited_draft_goes_and_the_edited_and_current_stay(client, tmp_path):
    client.post("/api/spec", json={"spec": "generic-zuzhi"}, headers=H)
    first, second, third, fourth, fifth, last = UNITS
    draft(client, first)
    edited = client.post("/api/paragraph", json={"index": 2, "text": "本支部亲笔改写的一段。"}, headers=H)
    assert edited.status_code == 200, edited.text
    for unit in UNITS[1:5]:
        draft(client, unit)
    state = client.app.state.web
    session = Session(tmp_path / "data" / "sessions", client.cookies["duizhao_session"])
    out = session.path("out")
    assert all((out / f"{unit}.json").is_file() for unit in UNITS[:5])  # within the quota nothing goes
    # Just over the quota by less than the oldest unedited draft holds: that one goes, and only it.
    state.config.session_quota = session.size() - held(out, second)
    draft(client, last)
    assert not list(out.glob(f"{second}.*")) and not (out / ".duizhao" / second).exists()
    assert all((out / f"{unit}.json").is_file() for unit in (first, third, fourth, fifth, last))
    assert (out / ".duizhao" / "items").is_dir()  # the drafts sufficed: the drafting caches stay
    # The pages still work: the current draft, its undo (the draft before), the form.
    assert last in client.get("/review").text
    assert client.post("/api/draft/undo", headers=H).status_code == 200
    assert fifth in client.get("/review").text
    assert client.get("/form").status_code == 200 and last in client.get("/form").text
    # Far past the quota: every unedited superseded draft goes, then the caches; what the clerk edited stays, and
    # so do the draft she sees and the one her undo brings back.
    items = out / ".duizhao" / "items"
    cached = len(list(items.glob("*")))
    state.config.session_quota = 1
    draft(client, third)  # the trim runs first, then the new draft caches its own items again
    assert sorted(p.stem for p in out.glob("*.json")) == sorted([first, fifth, last, third])
    assert len(list(items.glob("*"))) < cached
    assert third in client.get("/review").text and "本支部亲笔改写的一段" not in client.get("/review").text
    draft(client, third)  # the same unit again, its caches cleared once more: drafted over its own files
    assert third in client.get("/review").text


def test_a_draft_with_a_confirmed_sentence_stays_past_the_quota(tmp_path, retriever, monkeypatch):
    """Oldest first, but a draft in which the unit confirmed a sentence (本单位确认) is never the one to go."""
    from pipeline.draft.drafter import ModelDrafter, OfflineDrafter
    from pipeline.run.confirm import confirm_recorded
    from pipeline.run.inputs import load_unit
    from pipeline.run.unit import draft_unit
    from pipeline.web.store import new_id
    from tests.web.test_web_provenance import CLAIM, EXAMPLE, Inventing

    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path / "cache"))
    session = Session(tmp_path / "sessions", new_id())
    profile, spec = load_unit(EXAMPLE)
    model = Inventing(default="")
    confirmed = draft_unit(profile, spec, session.path("out"), lambda: ModelDrafter(model, "fake"), retriever)
    assert confirm_recorded(session.path(confirmed.record), CLAIM, keep=True)
    other = profile.model_copy(update={"unit": profile.unit.model_copy(update={"name": "另一个单位"})}, deep=True)
    later = draft_unit(other, spec, session.path("out"), OfflineDrafter, retriever)
    before = session.size()
    assert session.trim(before - 1) < before
    assert session.path(confirmed.record).is_file()  # the older one, kept for its confirmed sentence
    assert not session.path(later.record).exists()  # the newer, unconfirmed one went instead
