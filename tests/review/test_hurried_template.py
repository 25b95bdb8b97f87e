"""A hurried user: `profile init`, one aspect left as the template wrote it, the others empty, drafted offline and
checked. `check --final` (a 送审稿 check) fails naming every template placeholder; plain `check` lists them as errors
too (template text would be read out at the meeting) and the 【待补】 prompts as warnings."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.draft.drafter import OfflineDrafter
from pipeline.material.profile import profile_template
from pipeline.material.specs import load_spec
from pipeline.run.runner import DraftOptions, draft_all

SPEC = "2024-dangji-zuzhi"
TEMPLATE_SLOTS = re.compile(r"【(?!待补)[^】\n]+】")


@pytest.fixture(autouse=True)
def cache_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "duizhao-cache"))
    monkeypatch.delenv("DUIZHAO_STORE_DIR", raising=False)
    monkeypatch.delenv("DUIZHAO_CHROMA_URL", raising=False)


@pytest.fixture(scope="module")
def hurried(tmp_path_factory, retriever):
    """The draft of a template left as `profile init` wrote it, all aspects but the first emptied."""
    folder = tmp_path_factory.mktemp("hurried")
    text = profile_template(load_spec(SPEC))
    data = yaml.safe_load(text)
    first = next(iter(data["aspects"]))
    data["aspects"] = {key: (value if key == first else None) for key, value in data["aspects"].items()}
    profile = folder / "unit.yaml"
    profile.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (result,) = asyncio.run(draft_all([profile], DraftOptions(outdir=folder / "out", docx=False), OfflineDrafter,
                                      lambda: retriever))
    assert not result.error, result.error
    slots = {slot.replace(" ", "") for slot in TEMPLATE_SLOTS.findall(text)}
    md = next(Path(p) for p in result.outputs if p.endswith(".md"))
    return md, slots


def check(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(app, ["check", *args, "--spec", SPEC, "--json"])
    return result.exit_code, json.loads(result.output)


def named(findings: list[dict], code: str) -> str:
    return " ".join(f["message"] for f in findings if f["code"] == code).replace(" ", "")


def test_final_check_fails_naming_each_placeholder(hurried):
    md, slots = hurried
    code, report = check(str(md), "--final")
    assert code == 1 and not report["ok"]
    text = md.read_text(encoding="utf-8").replace(" ", "")
    left = {slot for slot in slots if slot in text}
    assert {"【问题概括：一句话】", "【事例：谁、何时、多少（人次、件数、金额）】"} <= left  # what the template's aspect entry holds
    template = named(report["findings"], "template-text")
    for slot in left:
        assert slot in template, slot
    pending = [f for f in report["findings"] if f["code"] == "pending"]
    assert pending and {f["severity"] for f in pending} == {"error"}


def test_plain_check_lists_template_text_as_errors_and_pending_as_warnings(hurried):
    md, slots = hurried
    code, report = check(str(md))
    assert code == 1
    errors = [f for f in report["findings"] if f["code"] == "template-text"]
    assert errors and {f["severity"] for f in errors} == {"error"}
    pending = [f for f in report["findings"] if f["code"] == "pending"]
    # The five empty aspects each carry a 【待补】 prompt for their problem.
    assert len([f for f in pending if f["location"].startswith("一、存在的")]) >= 5
    assert {f["severity"] for f in pending} == {"warning"}
    assert "【待补" in named(pending, "pending")


def test_a_filled_profile_draft_has_no_template_text(tmp_path, retriever):
    example = Path(__file__).resolve().parents[2] / "examples" / "agency-2024-dangji.yaml"
    (result,) = asyncio.run(draft_all([example], DraftOptions(outdir=tmp_path / "out", docx=False), OfflineDrafter,
                                      lambda: retriever))
    md = next(Path(p) for p in result.outputs if p.endswith(".md"))
    code, report = check(str(md))
    assert not [f for f in report["findings"] if f["code"] in ("template-text", "offline-banner")]
