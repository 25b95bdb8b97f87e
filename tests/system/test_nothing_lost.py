"""Nothing lost, nothing hangs: the user's files saved during a run, reruns of an interrupted batch, store paths,
long rate limits, a full disk under the store. Each case reproduces what a user met; BAD_INPUTS.md lists them (NL).
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from test_data_loss import BASE_ENV, invoke, one_error  # the CLI runner and the one-line-error check of the data-safety cases

from pipeline.core.errors import OutputError, StoreError
from pipeline.core.resources import data_dir
from pipeline.draft.drafter import OfflineDrafter
from pipeline.run.runner import DraftOptions, draft_all

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "agency-2024-dangji.yaml"
UNIT = "县市场监督管理局机关第一党支部"
# --- a file the user saves into the output folder while the draft runs -------------------------------------

class SavingMeanwhile(OfflineDrafter):
    """The offline drafter; while it drafts the first item, the user saves a file where the draft will go."""

    def __init__(self, path: Path, text: str):
        self.path, self.text = path, text

    async def draft(self, item, outline, profile, hits):
        if not self.path.exists():
            self.path.write_text(self.text, encoding="utf-8")
        return await super().draft(item, outline, profile, hits)


def test_a_file_saved_into_out_during_the_draft_is_kept(tmp_path, retriever):
    out = tmp_path / "out"
    mine = out / f"{UNIT}.md"
    for force in (False, True):  # --force replaces duizhao's own drafts, never one saved meanwhile
        mine.parent.mkdir(exist_ok=True)
        mine.unlink(missing_ok=True)
        try:
            asyncio.run(draft_all([EXAMPLE], DraftOptions(outdir=out, force=force, docx=False, use_cache=not force),
                                  lambda: SavingMeanwhile(mine, "我自己的稿子。\n"), lambda: retriever))
            raise AssertionError("the user's file was overwritten")
        except OutputError as error:
            assert "起草期间新出现" in str(error) and str(mine) in str(error) and error.code == "exists"
        assert mine.read_text(encoding="utf-8") == "我自己的稿子。\n"  # kept, byte for byte
        assert not (out / f"{UNIT}.json").exists()  # all or nothing: no draft half-written beside it
        assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    # moved away, the same command finishes from the cache (no item drafted again)
    mine.rename(tmp_path / "mine.md")
    [result] = asyncio.run(draft_all([EXAMPLE], DraftOptions(outdir=out, docx=False), OfflineDrafter,
                                     lambda: retriever))
    assert result.ok and result.cached_items > 0 and (out / f"{UNIT}.md").exists()


# --- a YAML file of aliases ("billion laughs") ---------------------------------------------------------------

LAUGHS = 'unit: {name: 某党支部}\nmeeting: {spec: 2024-dangji-zuzhi}\na: &a ["哈哈哈哈哈哈哈哈","哈哈哈哈哈哈哈哈","哈哈哈哈哈哈哈哈"]\n' + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi"))


def test_a_yaml_of_aliases_is_refused_before_it_grows(tmp_path):
    """3.6 KB of aliases grew draft, check and specs show to 5 GB; now one line, exit 2, in well under a second."""
    bomb = tmp_path / "笑.yaml"
    bomb.write_text(LAUGHS, encoding="utf-8")
    assert len(LAUGHS.encode()) < 4096
    (tmp_path / "m.txt").write_text("一、存在的问题\n班子学习不够。\n", encoding="utf-8")
    for args in (("draft", bomb, "--offline", "-o", tmp_path / "out", "--store", tmp_path / "store"),
                 ("check", tmp_path / "m.txt", "--profile", bomb), ("specs", "show", bomb)):
        line = one_error(invoke(*args), "展开后过大")
        assert str(bomb) in line
    assert not (tmp_path / "out").exists() and not (tmp_path / "store").exists()


def test_honest_aliases_and_merge_keys_still_read(tmp_path):
    from pipeline.core.files import read_yaml

    path = tmp_path / "a.yaml"
    path.write_text("base: &b {type: 党支部, self: 支部班子}\nunit:\n  <<: *b\n  name: 某党支部\nlist: [*b, *b]\n",
                    encoding="utf-8")
    data = read_yaml(path, "单位资料")
    assert data["unit"] == {"type": "党支部", "self": "支部班子", "name": "某党支部"} and len(data["list"]) == 2


# --- a full disk under the store is not damage ---------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs: too small for the packaged 范文 (needs the right to mount, as root in a container has)."""
    folder = tmp_path / "small"
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield folder
    finally:  # lazily: chromadb's cached client may still hold its files open
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


@pytest.mark.slow  # four processes of their own, one a whole ingest
def test_a_full_disk_under_the_store_is_not_called_damage(small_disk):
    """chromadb fails with "Error in compaction: Failed to apply logs to the metadata segment"; it was said as
    向量库已损坏，请 duizhao ingest --reset — which would throw away every 范文 once space is freed."""
    import os
    import sys

    store = small_disk / "store"
    env = {**{k: v for k, v in os.environ.items() if k not in BASE_ENV}, "DUIZHAO_EMBEDDER": "hash",
           "PYTHONPATH": str(ROOT)}

    def run(*args):  # a process of its own each time, as a user runs it (chromadb keeps clients per process)
        return subprocess.run([sys.executable, "-m", "pipeline.cli.main", *map(str, args)], env=env,
                              capture_output=True, text=True, timeout=300)

    for args in (("ingest", "--store", store), ("search", "理论学习", "--store", store)):
        done = run(*args)
        errors = [line for line in done.stderr.splitlines() if line.startswith("错误")]
        assert done.returncode == 2 and len(errors) == 1 and "磁盘空间不足" in errors[0], done.stderr
        assert "已损坏" not in errors[0] and "请勿 --reset" in errors[0] and str(store) in errors[0]
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)  # space freed
    assert run("ingest", "--store", store).returncode == 0
    found = run("search", "理论学习不够深入", "--store", store)
    assert found.returncode == 0 and "理论学习" in found.stdout


def test_an_enospc_inside_chromadb_is_a_full_disk_wherever_it_is_met(tmp_path):
    """Without a small disk to mount: the error chain names ENOSPC (sqlite, a file write under chromadb)."""
    import errno

    from pipeline.corpus.store import store_errors

    for raised in (OSError(errno.ENOSPC, "No space left on device"),
                   RuntimeError("Error executing plan: database or disk is full"),
                   RuntimeError("Failed to apply logs to the hnsw segment writer: IO error (os error 28)")):
        with pytest.raises(StoreError) as caught, store_errors("写入向量库", tmp_path):
            raise raised
        assert caught.value.code == "store-disk-full" and "已损坏" not in str(caught.value)
    with pytest.raises(StoreError) as caught, store_errors("读取向量库", tmp_path):  # real damage stays damage
        raise RuntimeError("Error finding id")
    assert caught.value.code == "store-damaged"


# --- a relative store path ------------------------------------------------------------------------------------

def test_a_relative_store_path_works_for_ingest_search_and_draft(tmp_path, monkeypatch):
    """README's own `--store vectorstore` ended search and draft in exit 3 ("relative path can't be expressed as
    a file URI"); DUIZHAO_STORE_DIR=vs too."""
    monkeypatch.chdir(tmp_path)
    seed = sorted(data_dir("corpus").glob("*.txt"))[0]
    assert invoke("ingest", seed, "--store", "vs").exit_code == 0
    for env in ({}, {"DUIZHAO_STORE_DIR": "vs"}):
        store = () if env else ("--store", "vs")
        found = invoke("search", "理论学习不够深入", *store, **env)
        assert found.exit_code == 0 and "理论学习" in found.stdout, found.output
        drafted = invoke("draft", EXAMPLE, "--offline", "-o", f"out{len(env)}", "--no-docx", *store, **env)
        assert drafted.exit_code in (0, 1) and (tmp_path / f"out{len(env)}" / f"{UNIT}.md").is_file(), drafted.output
    assert not (tmp_path / "vectorstore").exists()  # the store the user named, not another one


# --- a rate limit asking for an hour -----------------------------------------------------------------------

def test_retry_after_an_hour_ends_the_run_with_when_and_the_rerun_resumes(tmp_path, retriever):
    """429 with Retry-After: 3600 gave one warning and then 10+ minutes of silence (about 40 projected)."""
    import time

    from stub_server import StubServer, rate_limited

    from pipeline.core.errors import ModelError
    from pipeline.draft.drafter import ModelDrafter
    from pipeline.models.chat import ChatSettings, RetryPolicy, build_chat_model

    limited = {"n": 0}

    def responder(request):
        user = request["messages"][1]["content"]
        if "“工作纪律”方面" in user and not limited["n"]:
            limited["n"] += 1
            return rate_limited(3600)
        return "班子在这方面还存在差距，有关情况还需进一步查摆。这些问题需要认真整改。"

    def factory(url):
        chat = build_chat_model(ChatSettings(base_url=url, api_key="sk-x", model="stub", timeout=5))
        return lambda: ModelDrafter(chat, "stub", policy=RetryPolicy(max_retries=4, base_delay=0.01))

    with StubServer(responder=responder) as server:
        started = time.monotonic()
        with pytest.raises(ModelError) as caught:
            asyncio.run(draft_all([EXAMPLE], DraftOptions(outdir=tmp_path, docx=False, concurrency=1),
                                  factory(server.url), lambda: retriever))
        seconds = time.monotonic() - started
    message = str(caught.value)
    assert seconds < 20 and "1 小时后再试" in message and "之后" in message and "重新运行同一命令" in message
    assert "已缓存" in message and not (tmp_path / f"{UNIT}.md").exists()
    done = len(list((tmp_path / ".duizhao" / "items").glob("*.json")))
    assert done >= 1  # what was finished before the 429 is kept
    with StubServer(responder=responder) as server:
        [result] = asyncio.run(draft_all([EXAMPLE], DraftOptions(outdir=tmp_path, docx=False), factory(server.url),
                                         lambda: retriever))
    assert result.error is None and result.cached_items == done and (tmp_path / f"{UNIT}.md").exists()


# --- rerunning an interrupted batch with the same command --------------------------------------------------

def test_rerun_of_a_batch_completes_what_is_missing_and_exits_0(tmp_path):
    """The rerun listed every finished unit as 失败 (草稿已存在) and exited 1; a third run exited 2, so a script
    retrying until exit 0 looped forever."""
    import shutil

    batch, out, store = tmp_path / "batch", tmp_path / "out", tmp_path / "store"
    batch.mkdir()
    shutil.copy(EXAMPLE, batch / "a.yaml")
    second = (ROOT / "examples" / "village-2023-zhuti.yaml").read_text(encoding="utf-8")
    (batch / "b.yaml").write_text(second.replace("spec:", "spec: 不存在的规范  #", 1), encoding="utf-8")
    command = ("draft", batch, "--offline", "-o", out, "--store", store, "--no-docx")
    first = invoke(*command)  # b stops (as an interrupted unit would): a is finished
    assert first.exit_code == 1 and f"{UNIT}.md" in first.stdout
    (batch / "b.yaml").write_text(second, encoding="utf-8")
    drafted = {p.name: p.stat().st_mtime_ns for p in out.glob("*.md")}
    for done, new in ((1, 1), (2, 0)):  # the rerun, then a third run
        rerun = invoke(*command)
        assert rerun.exit_code == 0, rerun.output
        assert "失败" not in rerun.stdout and f"{done} 个单位此前已起草完成" in rerun.stdout
        assert f"本次起草 {new} 个" in rerun.stdout and len(list(out.glob("*.md"))) == 2
    assert (out / f"{UNIT}.md").stat().st_mtime_ns == drafted[f"{UNIT}.md"]  # kept as it was
    # changed input: the draft is no longer "the same command"; without --force it is not replaced
    (batch / "a.yaml").write_text(EXAMPLE.read_text(encoding="utf-8").replace("4次集中学习", "5次集中学习"),
                                  encoding="utf-8")
    changed = invoke(*command)
    assert changed.exit_code == 1 and "草稿已存在" in changed.stdout


# --- more items than the numbering can write -------------------------------------------------------------------

def test_ten_thousand_problems_or_aspects_are_refused_when_read(tmp_path):
    """Both ended in exit 3 ("编号 10000 超出范围"), the problems only after half a minute of drafting."""
    import yaml

    head = EXAMPLE.read_text(encoding="utf-8").split("aspects:")[0]
    profile = tmp_path / "many.yaml"
    profile.write_text(head + "aspects:\n  政治纪律:\n" + "".join(f"    - problem: 问题{i}\n" for i in range(10_000)),
                       encoding="utf-8")
    line = one_error(invoke("draft", profile, "--offline", "-o", tmp_path / "out", "--store", tmp_path / "store"),
                     "方面“政治纪律”最多 9999 个问题（现有 10000 个）")
    assert "字段 aspects" in line and not (tmp_path / "out").exists()
    spec = yaml.safe_load((ROOT / "specs" / "2024-dangji-zuzhi.yaml").read_text(encoding="utf-8"))
    spec.update(id="many", aspects=[{"name": f"方面{i}"} for i in range(10_000)])
    spec_file = tmp_path / "many-spec.yaml"
    spec_file.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    one_error(invoke("specs", "show", spec_file), "最多 9999 个方面（现有 10000 个）")


# --- a profile template for a spec read from a file --------------------------------------------------------------

def test_profile_init_from_a_spec_file_names_a_spec_that_is_found(tmp_path, monkeypatch):
    """`profile init --spec FILE` wrote `spec: my-spec`, which nothing could find afterwards."""
    from pipeline.material.meeting import load_meeting
    from pipeline.material.profile import load_profile, resolve_spec

    spec_file = tmp_path / "specs" / "my-spec.yaml"
    spec_file.parent.mkdir()
    spec_file.write_text((ROOT / "specs" / "2024-dangji-zuzhi.yaml").read_text(encoding="utf-8")
                         .replace("id: 2024-dangji-zuzhi", "id: my-spec"), encoding="utf-8")
    monkeypatch.chdir(tmp_path / "specs")
    for command, name in (("profile", "unit.yaml"), ("meeting", "meeting.yaml")):
        made = invoke(command, "init", "--spec", "my-spec.yaml")  # relative, as people type it
        assert made.exit_code == 0, made.output
        saved = tmp_path / "elsewhere" / name  # saved into another folder, read from a third
        saved.parent.mkdir(exist_ok=True)
        saved.write_text(made.stdout, encoding="utf-8")
        monkeypatch.chdir(tmp_path)
        if command == "profile":
            profile = load_profile(saved)
            assert resolve_spec(profile, saved.parent).id == "my-spec"
        else:
            assert load_meeting(saved)[1].id == "my-spec"
        monkeypatch.chdir(tmp_path / "specs")
    # a built-in spec is still named by its id
    assert "spec: 2024-dangji-zuzhi" in invoke("profile", "init", "--spec", "2024-dangji-zuzhi").stdout


# --- unit names that make bad file names -----------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("CON", "_CON"), ("nul", "_nul"), ("NUL.docx", "_NUL.docx"), ("COM1", "_COM1"), ("LPT9", "_LPT9"),
    ("第一\u202e党支部", "第一党支部"), ("第一\u2066党支部\u2069", "第一党支部"), ("\u200f第一党支部", "第一党支部"),
    ("CONSOLE党支部", "CONSOLE党支部"), ("..", "draft"), ("县局 机关:第一", "县局_机关_第一"),
])
def test_output_names_are_safe_on_every_system(name, expected):
    """A right-to-left override (a name that shows reversed, hiding an extension) and Windows device names reached
    file names."""
    from pipeline.core.files import safe_file_name

    assert safe_file_name(name) == expected


def test_a_unit_named_like_a_device_gets_a_file_windows_can_open(tmp_path):
    profile = tmp_path / "unit.yaml"
    profile.write_text(EXAMPLE.read_text(encoding="utf-8").replace(f"name: {UNIT}", 'name: "NUL\\u202e"'),
                       encoding="utf-8")
    result = invoke("draft", profile, "--offline", "-o", tmp_path / "out", "--store", tmp_path / "store", "--no-docx")
    assert result.exit_code in (0, 1), result.output
    assert sorted(p.name for p in (tmp_path / "out").glob("*.md")) == ["_NUL.md"]


def test_a_very_long_unit_name_still_makes_a_file(tmp_path):
    from pipeline.core.files import MAX_NAME_CHARS, safe_file_name

    name = safe_file_name("县" * 300)
    assert len(name) == MAX_NAME_CHARS and len((name + ".docx").encode("utf-8")) < 255
