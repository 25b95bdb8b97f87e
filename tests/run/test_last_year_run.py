"""The year's cycle on a unit: last year's draft (as .md, .docx and .json) read back, next year's draft covering
each of last year's problems with the unit's result or 【待补：整改结果】, the ledger's 完成情况 carried in, and a
problem raised again flagged (年年提)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from pipeline.draft.drafter import OfflineDrafter
from pipeline.export.ledger import ledger_xlsx
from pipeline.export.preview import soffice_binary
from pipeline.material.last_year import read_last_year
from pipeline.material.meeting_docs import ledger_header, unit_ledger_rows, unit_ledger_title
from pipeline.material.profile import load_profile, resolve_spec
from pipeline.run.runner import DraftOptions, draft_all

ROOT = Path(__file__).resolve().parents[2]
HOSPITAL = ROOT / "examples" / "hospital-2021-dangshi.yaml"


def draft(path: Path, outdir: Path, retriever, **options):
    [result] = asyncio.run(draft_all([path], DraftOptions(outdir=outdir, **options), OfflineDrafter, lambda: retriever))
    assert result.error is None, result.error
    return result


@pytest.fixture(scope="module")
def last_year(tmp_path_factory, retriever):
    """Last year's material as this tool wrote it, in its three forms."""
    outdir = tmp_path_factory.mktemp("2021")
    draft(HOSPITAL, outdir, retriever)
    return {ext: outdir / f"县人民医院内科党支部.{ext}" for ext in ("md", "docx", "json")}


@pytest.mark.parametrize("ext", ["md", "docx", "json"])
def test_our_own_draft_reads_back_with_measures_owners_and_time_limits(last_year, ext):
    profile = load_profile(HOSPITAL)
    problems = [p for ps in profile.aspects.values() for p in ps]
    entries = read_last_year(last_year[ext])
    assert [e.problem for e in entries] == [p.problem for p in problems]
    for entry, problem in zip(entries, problems):
        assert entry.measure == problem.measure.rstrip("。"), ext
        assert entry.owner == problem.owner, ext
        assert entry.deadline.startswith(problem.deadline.split("起")[0].split("甲级")[0]), ext
        assert entry.fixed == ""  # a material says what was promised, never what came of it


def next_year(tmp_path: Path, last: Path, **extra) -> Path:
    data = {"unit": {"name": "县人民医院内科党支部", "type": "党支部", "self": "支部委员会"},
            "meeting": {"spec": "generic-zuzhi", "year": 2022}, "last_year_file": str(last),
            "last_year": [{"problem": "患者等候时间长的问题没有根本解决", "fixed": "周一上午平均候诊从72分钟降到41分钟"}],
            "aspects": {"理论学习": [
                {"problem": "党员发挥先锋模范作用仍不够均衡", "facts": ["今年参加下乡义诊的党员只有7名"]},
                {"problem": "候诊时间长的问题仍未解决", "facts": ["周三上午平均候诊65分钟"],
                 "cause": "上年度只增开了周一、周五的诊室，没有按全周门诊量排班"}]}, **extra}
    path = tmp_path / "2022.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def last_year_part(outdir: Path) -> str:
    record = json.loads((outdir / "县人民医院内科党支部.json").read_text(encoding="utf-8"))
    [section] = [s for s in record["document"]["sections"] if s["role"] == "last_year"]
    return "".join(p["text"] for p in section["intro"]), record["check"]["findings"]


def test_next_year_covers_each_problem_with_the_units_result_or_a_slot(tmp_path, last_year, retriever):
    draft(next_year(tmp_path, last_year["docx"]), tmp_path / "out", retriever, docx=False)
    text, findings = last_year_part(tmp_path / "out")
    for entry in read_last_year(last_year["docx"]):
        inner = entry.problem.replace("“", "‘").replace("”", "’")  # a quote inside a quote
        assert f"“{inner}”" in text
    # The result the clerk typed; the measure promised and a slot where no result was given.
    assert "周一上午平均候诊从72分钟降到41分钟" in text
    assert "上年度确定的整改措施是把下乡义诊、夜间急诊顶班列入党员积分，每季度公示一次积分，【待补：整改结果】" in text
    assert text.count("【待补：整改结果】") == 3
    # Raised again without saying why last year's measure failed: flagged; owned up to (cause): not.
    repeats = [f for f in findings if f["code"] == "repeat-problem"]
    assert len(repeats) == 1 and "党员发挥先锋模范作用仍不够均衡" in repeats[0]["message"]
    assert "把下乡义诊" in repeats[0]["message"]


def test_the_ledgers_state_and_results_are_written_in(tmp_path, last_year, retriever):
    profile = load_profile(HOSPITAL)
    spec = resolve_spec(profile, HOSPITAL.parent)
    ledger = tmp_path / "整改清单.xlsx"
    ledger.write_bytes(ledger_xlsx(unit_ledger_title(profile, spec), ledger_header(), unit_ledger_rows(profile, spec)))
    book = load_workbook(ledger)
    sheet = book.active
    sheet["H2"], sheet["I2"] = "已完成", "下乡义诊纳入积分，全年公示4次"  # as the clerk fills it in Excel
    sheet["H3"] = "整改中"
    book.save(ledger)
    draft(next_year(tmp_path, last_year["md"], ledger_file=ledger.name), tmp_path / "out", retriever, docx=False)
    text, _ = last_year_part(tmp_path / "out")
    assert "“党员发挥先锋模范作用不够均衡”的问题，已完成整改，下乡义诊纳入积分，全年公示4次。" in text
    assert "“落实分级诊疗要求有差距”的问题，仍在整改，【待补：整改结果】。" in text


@pytest.mark.slow
@pytest.mark.skipif(not soffice_binary(), reason="LibreOffice (soffice) missing: run .ci/install-system.sh")
def test_another_units_docx_from_libreoffice_drives_next_years_draft(tmp_path, retriever):
    seed = next((ROOT / "corpus").glob("001_*.txt"))
    source = tmp_path / "2023年对照检查材料.txt"
    source.write_bytes(seed.read_bytes())
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([soffice_binary(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                        "docx:MS Word 2007 XML", "--outdir", str(tmp_path), str(source)],
                       check=True, capture_output=True, timeout=180)
    data = {"unit": {"name": "某局党组", "type": "党组", "self": "党组班子"}, "meeting": {"spec": "2024-niandu-minzhu"},
            "last_year_file": "2023年对照检查材料.docx",
            "aspects": {"带头履行全面从严治党政治责任": [
                {"problem": "理论学习浮于表面，学用结合不紧", "facts": ["全年中心组学习12次，有5次只是传达文件"]}]}}
    path = tmp_path / "2024.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    draft(path, tmp_path / "out", retriever, docx=False)
    record = json.loads((tmp_path / "out" / "某局党组.json").read_text(encoding="utf-8"))
    [section] = [s for s in record["document"]["sections"] if s["role"] == "last_year"]
    lines = [p["text"] for p in section["intro"]][1:]
    problems = [e.problem for e in read_last_year(source)]
    assert len(lines) == len(problems) == 12
    for line, problem in zip(lines, problems):
        # No measure lined up with a problem in this material and no result given: both still to write.
        assert line == f"“{problem.replace('“', '‘').replace('”', '’')}”的问题，【待补：整改措施及整改结果】。"
    repeats = [f["message"] for f in record["check"]["findings"] if f["code"] == "repeat-problem"]
    assert repeats == ["问题“理论学习浮于表面，学用结合不紧”与上年度查摆的“理论学习不深不透”是同一问题（年年提）："
                       "应写明上年度采取了什么措施、为什么没有见效，这次怎样改"]


def test_the_model_is_told_the_ledgers_state_and_the_measure_promised():
    from pipeline.draft.plan import make_outline
    from pipeline.material.profile import LastYear

    profile = load_profile(HOSPITAL).model_copy(update={"last_year": [
        LastYear(problem="病历书写不规范", status="已完成", fixed="甲级病历率达到92%"),
        LastYear(problem="候诊时间长", measure="增开周一诊室"), LastYear(problem="学习不深")]})
    outline = make_outline(profile, resolve_spec(profile, HOSPITAL.parent))
    [item] = [i for i in outline.items() if i.role == "last_year"]
    assert item.facts == ["病历书写不规范：已完成整改，甲级病历率达到92%", "候诊时间长：上年度确定的整改措施是增开周一诊室",
                          "学习不深："]
