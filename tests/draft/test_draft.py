"""The main job end to end: example profiles → drafts that pass their spec's check, offline and via a real HTTP stub."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from pathlib import Path

import pytest
from stub_server import Reply, StubServer, server_error

from pipeline.review.structure import check_structure
from pipeline.draft.drafter import ModelDrafter, OfflineDrafter
from pipeline.core.errors import InputError, OutputError
from pipeline.models.chat import ChatSettings, RetryPolicy, build_chat_model
from pipeline.material.load import load_document
from pipeline.material.profile import load_profile, resolve_spec
from pipeline.run.runner import DraftOptions, draft_all


ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def run(paths, outdir, drafter_factory, retriever, **options):
    return asyncio.run(draft_all(paths, DraftOptions(outdir=outdir, **options), drafter_factory, lambda: retriever))


def test_examples_cover_three_specs():
    specs = {load_profile(p).meeting.spec for p in EXAMPLES}
    assert {"2023-zhuti-minzhu", "2024-niandu-minzhu", "2024-dangji-zuzhi"} <= specs


@pytest.mark.parametrize("profile_path", EXAMPLES, ids=lambda p: p.stem)
def test_offline_draft_passes_its_spec(profile_path, tmp_path, retriever):
    [result] = run([profile_path], tmp_path, OfflineDrafter, retriever)
    assert result.error is None and result.ok, result
    profile = load_profile(profile_path)
    spec = resolve_spec(profile)
    md = tmp_path / f"{profile.unit.name}.md"
    # The written files read back into a document that passes the structure check.
    for written in (md, md.with_suffix(".docx"), md.with_suffix(".json")):
        report = check_structure(load_document(written, spec), spec)
        assert report.ok, (written.suffix, [f.message for f in report.findings if f.severity == "error"])
    text = md.read_text(encoding="utf-8")
    # Every profile fact appears; the preamble carries the counts. That the draft was made without a model
    # is said in the record and as a comment on the title, never in the text a reviewer reads.
    for fact in profile.all_facts():
        assert fact in text
    assert f"{profile.preparation.talks}人次" in text
    assert "未使用大模型" not in text
    record = json.loads(md.with_suffix(".json").read_text(encoding="utf-8"))
    assert "未使用大模型" in record["notice"]
    assert record["document"]["notes"][0] == {"anchor": "title", "text": record["notice"]}
    assert all(item["system"] == "offline" for item in record["items"])
    assert any(item["passages"] for item in record["items"] if item["role"] == "problems")


def test_empty_aspect_is_drafted_with_placeholder(tmp_path, retriever):
    agency = tmp_path / "agency.yaml"
    text = (ROOT / "examples" / "agency-2024-dangji.yaml").read_text(encoding="utf-8")
    agency.write_text(text[:text.index("  生活纪律:")] + "  生活纪律: []\n" + text[text.index("causes:"):],
                      encoding="utf-8")
    run([agency], tmp_path, OfflineDrafter, retriever)
    document = load_document(tmp_path / "县市场监督管理局机关第一党支部.json").document
    item = next(i for i in document.section("problems").items if i.aspect == "生活纪律")
    assert "【待补" in "".join(p.text for p in item.points)


def test_existing_draft_is_not_overwritten(tmp_path, retriever):
    profile = EXAMPLES[0]
    run([profile], tmp_path, OfflineDrafter, retriever)
    # the same command again: the unchanged draft is kept, reported as finished before (not an error)
    [again] = run([profile], tmp_path, OfflineDrafter, retriever)
    assert again.done_before and again.error is None
    # the input changed (a problem added): the draft is no longer the same command's and is kept without --force
    changed = tmp_path / profile.name
    changed.write_text(profile.read_text(encoding="utf-8").replace("    - problem:", "    - problem: 新增的问题\n    - problem:", 1),
                       encoding="utf-8")
    with pytest.raises(OutputError, match="草稿已存在"):
        run([changed], tmp_path, OfflineDrafter, retriever)
    [result] = run([changed], tmp_path, OfflineDrafter, retriever, force=True)
    assert not result.done_before and result.error is None


def test_batch_reports_a_bad_profile_without_stopping(tmp_path, retriever):
    folder = tmp_path / "profiles"
    folder.mkdir()
    shutil.copy(EXAMPLES[0], folder / "a.yaml")
    (folder / "b.yaml").write_text("unit: {name: 某支部}\nmeeting: {spec: no-such-spec}\n", encoding="utf-8")
    results = run([folder], tmp_path / "out", OfflineDrafter, retriever)
    assert [r.error is None for r in results].count(True) == 1
    bad = next(r for r in results if r.error)
    assert "no-such-spec" in bad.error


def test_profile_errors_name_the_field(tmp_path, retriever):
    bad = tmp_path / "bad.yaml"
    bad.write_text("unit: {name: 某支部}\nmeeting: {spec: 2024-dangji-zuzhi}\npreparation: {talks: 很多}\n", encoding="utf-8")
    with pytest.raises(InputError, match="preparation.talks"):
        run([bad], tmp_path, OfflineDrafter, retriever)
    bad.write_text("unit: {name: 某支部}\nmeeting: {spec: 2024-dangji-zuzhi}\naspects: {学习方面: []}\n", encoding="utf-8")
    with pytest.raises(InputError, match="aspects.学习方面"):
        run([bad], tmp_path, OfflineDrafter, retriever)


# --- through the real HTTP client and a local OpenAI-compatible server ----------------------------------

def messy_answer(request: dict) -> str:
    """What real chat models send back: lead-in, markdown, their own numbering, a sign-off; facts kept."""
    user = request["messages"][-1]["content"]
    facts = re.findall(r"事实：(.+)", user) or re.findall(r"^- (.+)$", user, re.M)[:2]
    body = "；".join(f.strip("（）") for f in facts) or "有关情况"
    return (f"好的，以下是正文：\n\n**一、**班子在这方面还存在差距，比如，{body}。\n\n"
            "2. 这些情况在班子成员中都有一定代表性。\n\n希望对您有帮助！")


@pytest.fixture
def stub():
    with StubServer(responder=messy_answer) as server:
        yield server


def model_factory(url: str):
    settings = ChatSettings(base_url=url, api_key="sk-test-secret-123456", model="stub-model", timeout=5)
    chat = build_chat_model(settings)
    policy = RetryPolicy(max_retries=2, base_delay=0.01, max_delay=0.05)
    return lambda: ModelDrafter(chat, "stub-model", policy=policy)


@pytest.mark.parametrize("profile_path", EXAMPLES, ids=lambda p: p.stem)
def test_model_draft_via_stub_passes_its_spec(profile_path, tmp_path, retriever, stub):
    [result] = run([profile_path], tmp_path, model_factory(stub.url), retriever)
    assert result.error is None and result.ok, result
    profile = load_profile(profile_path)
    text = (tmp_path / f"{profile.unit.name}.md").read_text(encoding="utf-8")
    assert "好的" not in text and "希望对您有帮助" not in text and "**" not in text
    for fact in profile.all_facts():
        assert fact in text
    assert "未使用大模型" not in text
    prompts = [r.user_text for r in stub.chat_requests]
    # Reference passages are fenced as material not to copy.
    assert any("<<<参考范文1>>>" in p for p in prompts)
    assert "sk-test-secret" not in (tmp_path / f"{profile.unit.name}.json").read_text(encoding="utf-8")


def test_fault_loses_no_finished_item_and_rerun_asks_only_for_the_rest(tmp_path, retriever):
    profile = ROOT / "examples" / "agency-2024-dangji.yaml"
    calls = {"n": 0}

    def flaky(request: dict):
        calls["n"] += 1
        if "工作纪律" in request["messages"][-1]["content"] and "存在的问题" in request["messages"][-1]["content"]:
            return server_error(500)
        return messy_answer(request)

    with StubServer(responder=flaky) as server:
        with pytest.raises(Exception):
            run([profile], tmp_path, model_factory(server.url), retriever, concurrency=2)
        assert not (tmp_path / "县市场监督管理局机关第一党支部.md").exists()  # nothing half-written
        finished = len(list((tmp_path / ".duizhao" / "items").glob("*.json")))
        assert finished >= 10
    with StubServer(responder=messy_answer) as server:
        [result] = run([profile], tmp_path, model_factory(server.url), retriever)
        assert result.ok
        # Only the item that failed is asked for again (once more if its guard wants a sharper retry).
        asked = [r.messages[1]["content"] for r in server.chat_requests]
        assert 1 <= len(asked) <= 2 and all("“工作纪律”方面" in prompt for prompt in asked)
        assert result.cached_items == finished


def test_content_filter_refusal_is_a_clear_error(tmp_path, retriever):
    from stub_server import content_filter

    with StubServer(responder=lambda request: content_filter()) as server:
        with pytest.raises(Exception, match="内容|审核|过滤"):
            run([EXAMPLES[0]], tmp_path, model_factory(server.url), retriever)


def test_truncated_answer_is_retried_with_a_larger_limit(tmp_path, retriever):
    long_text = "班子在这方面还存在差距。" * 50

    def truncating(request: dict):
        if request.get("max_tokens", 0) < 1000:
            return Reply(text=long_text[:100], finish_reason="length")
        return messy_answer(request)

    with StubServer(responder=truncating) as server:
        [result] = run([EXAMPLES[0]], tmp_path, model_factory(server.url), retriever)
        assert result.ok
        limits = [r.body.get("max_tokens") for r in server.chat_requests]
        assert any(limit and limit >= 1000 for limit in limits)


def test_copied_answer_is_reasked_and_the_better_one_kept(tmp_path, retriever):
    """Small models copy the reference passage (see the captured outputs); the guard re-asks once."""

    def copier(request: dict):
        user = request["messages"][1]["content"]
        reference = re.search(r"<<<参考范文1>>>\n(.+?)\n<<<参考范文1结束>>>", user, re.S)
        if len(request["messages"]) == 2 and reference and "存在的问题" in user:
            return reference.group(1)  # first answer: the passage itself
        return messy_answer(request) + "这些问题都反映出班子在落实上还有差距，需要认真整改。" * 3

    with StubServer(responder=copier) as server:
        [result] = run([EXAMPLES[0]], tmp_path, model_factory(server.url), retriever)
        assert result.ok
        retries = [r for r in server.chat_requests if len(r.messages) > 2]
        assert any("照抄" in r.user_text for r in retries)
    record = json.loads(next(tmp_path.glob("*.json")).read_text(encoding="utf-8"))
    problems = [item for item in record["items"] if item["role"] == "problems"]
    assert all(item["copy_rate"] < 0.3 for item in problems)
