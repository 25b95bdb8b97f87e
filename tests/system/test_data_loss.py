"""Nothing of the user's lost and no crash on odd input: duplicate YAML keys, control characters, devices and
pipes, invisible-only files, duizhao's own large drafts. Listed in tests/BAD_INPUTS.md (section "Data loss")."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import docx
import pytest
from stub_server import StubServer
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.core.resources import data_dir
from pipeline.draft.clean import clean_output
from pipeline.draft.drafter import ModelDrafter, OfflineDrafter
from pipeline.models.chat import ChatSettings, RetryPolicy, build_chat_model
from pipeline.run.runner import DraftOptions, draft_all

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "agency-2024-dangji.yaml"
SEED = data_dir("corpus") / "001_5e55ffca6ee2661c.txt"
BASE_ENV = {"COLUMNS": "120", "DUIZHAO_EMBEDDER": "hash", "OPENAI_BASE_URL": None, "OPENAI_API_KEY": None,
            "DUIZHAO_CHROMA_URL": None, "DUIZHAO_STORE_DIR": None, "DUIZHAO_MAX_FILE_MB": None, "DUIZHAO_DEBUG": None}
# Every C0 control character except the three text is made of (tab, LF, CR).
C0 = [chr(code) for code in range(32) if chr(code) not in "\t\n\r"]
ALL_C0 = "".join(C0) + "\x7f"


def invoke(*args, **env):
    return CliRunner().invoke(app, [str(a) for a in args], env={**BASE_ENV, **env})


def one_error(result, words: str, exit_code: int = 2) -> str:
    assert result.exit_code == exit_code, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("错误")]
    assert len(errors) == 1 and words in errors[0], result.stderr
    return errors[0]


def docx_text(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def no_controls(text: str) -> bool:
    return not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)


# --- duplicate keys in a YAML file ------------------------------------------------------------------------

DUPLICATE_ASPECT = """unit: {name: 某党支部}
meeting: {spec: 2024-dangji-zuzhi}
aspects:
  群众纪律:
    - problem: 联系群众不够
      facts: [3户居民诉求超过一周未回复]
  工作纪律: []
  群众纪律:
    - problem: 服务意识不强
"""


def test_duplicate_aspect_block_is_refused_with_both_lines(tmp_path):
    profile = tmp_path / "unit.yaml"
    profile.write_text(DUPLICATE_ASPECT, encoding="utf-8")
    line = one_error(invoke("check", SEED, "--profile", profile), "群众纪律")
    assert "第 4 行" in line and "第 8 行" in line
    line = one_error(invoke("draft", profile, "-o", tmp_path / "out", "--store", tmp_path / "store"), "群众纪律")
    assert not (tmp_path / "out").exists() and not (tmp_path / "store").exists()


def test_duplicate_top_level_key_is_refused(tmp_path):
    profile = tmp_path / "unit.yaml"
    profile.write_text("unit: {name: 某党支部}\nmeeting: {spec: 2024-dangji-zuzhi}\naspects: {政治纪律: []}\n"
                       "aspects: {工作纪律: []}\n", encoding="utf-8")
    line = one_error(invoke("check", SEED, "--profile", profile), "aspects")
    assert "第 3 行" in line and "第 4 行" in line


def test_duplicate_key_in_a_spec_file(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("id: my-spec\nname: 我的会议\nname: 另一个名字\nmeeting: 组织生活会\naspects: [甲, 乙]\n",
                    encoding="utf-8")
    one_error(invoke("specs", "show", spec), "name")


# --- control characters --------------------------------------------------------------------------------

def test_every_c0_character_in_a_material_exports_and_checks(tmp_path):
    text = SEED.read_text(encoding="utf-8").splitlines()
    # One control character in each of the first lines (form feed as a page break, the rest as junk).
    mixed = "\n".join(line[:3] + C0[i % len(C0)] + line[3:] if i < 2 * len(C0) else line for i, line in enumerate(text))
    material = tmp_path / "有控制字符.txt"
    material.write_text(mixed + "\n" + ALL_C0, encoding="utf-8")
    out = tmp_path / "out.docx"
    result = invoke("export", material, "-o", out)
    assert result.exit_code == 0, result.output
    assert no_controls(docx_text(out))
    assert invoke("check", material, "--structure-only").exit_code in (0, 1)
    pack = invoke("eval", "pack", material, SEED, "-o", tmp_path / "pack", "--key", tmp_path / "key.json")
    assert pack.exit_code == 0, pack.output


def test_every_c0_character_in_a_json_document_exports(tmp_path):
    assert invoke("export", SEED, "-o", tmp_path / "a.docx").exit_code == 0
    from pipeline.material.load import load_document

    data = load_document(SEED).document.model_dump()
    data["title"] = "标题" + ALL_C0
    section = next(s for s in data["sections"] if s["items"])
    section["items"][0]["points"][0]["text"] += ALL_C0
    section["items"][0]["heading"] += "\x0b"
    source = tmp_path / "doc.json"
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = invoke("export", source, "-o", tmp_path / "b.docx")
    assert result.exit_code == 0, result.output
    assert no_controls(docx_text(tmp_path / "b.docx"))


@pytest.mark.parametrize("code", range(32))
def test_model_answer_cleaner_drops_every_c0_character(code):
    raw = f"班子在学习上存在差距{chr(code)}，比如全年集中学习只有4次。{chr(code)}今后要加强。"
    cleaned = clean_output(raw, "problems")
    assert cleaned.paragraphs and no_controls(cleaned.text)
    assert "全年集中学习只有4次" in cleaned.text


def test_control_characters_in_a_profile_and_a_model_answer_reach_no_output(tmp_path, retriever):
    profile = tmp_path / "unit.yaml"
    escaped = "".join(f"\\x{ord(c):02x}" for c in C0)
    profile.write_text(EXAMPLE.read_text(encoding="utf-8").replace(
        "[4次集中学习中只有1次结合执法案例开展讨论]", f'["4次集中学习中只有1次{escaped}结合执法案例开展讨论"]'),
        encoding="utf-8")

    def answer(request):
        return f"班子对照检查还有差距{ALL_C0}，比如4次集中学习中只有1次结合执法案例开展讨论。\f下一段。"

    with StubServer(responder=answer) as server:
        chat = build_chat_model(ChatSettings(base_url=server.url, api_key="sk-x", model="stub", timeout=5))
        factory = lambda: ModelDrafter(chat, "stub", policy=RetryPolicy(max_retries=1, base_delay=0.01, max_delay=0.02))
        [result] = asyncio.run(draft_all([profile], DraftOptions(outdir=tmp_path / "m"), factory, lambda: retriever))
    assert result.error is None, result.error
    [offline] = asyncio.run(draft_all([profile], DraftOptions(outdir=tmp_path / "o"), OfflineDrafter, lambda: retriever))
    assert offline.error is None, offline.error
    for folder in (tmp_path / "m", tmp_path / "o"):
        [written] = folder.glob("*.docx")
        text = docx_text(written)
        # Form feed and vertical tab in the fact became line breaks; everything else is gone.
        assert "4次集中学习中只有1次" in text and "结合执法案例开展讨论" in text and no_controls(text)
        assert no_controls((folder / written.with_suffix(".md").name).read_text(encoding="utf-8"))


# --- devices, pipes, invisible-only files, own large drafts ------------------------------------------------

def test_device_is_refused_at_once(tmp_path):
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")
    started = time.monotonic()
    one_error(invoke("check", link), "不是普通文件")
    one_error(invoke("export", link, "-o", tmp_path / "a.docx"), "不是普通文件")
    assert time.monotonic() - started < 10


def test_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    # A real process: a hang would block the test runner itself.
    done = subprocess.run([sys.executable, "-m", "pipeline.cli.main", "check", str(fifo)], capture_output=True,
                          text=True, timeout=30, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2 and "不是普通文件" in done.stderr, done.stderr


@pytest.mark.parametrize("content", ["\u200b\u200b\u200b", "\ufeff\u200d\u2060\n\u200c \n", "\u3000\u200b\n\n"],
                         ids=["zero-width", "joiners-and-bom", "ideographic-space"])
def test_file_of_invisible_characters_is_empty(tmp_path, content):
    material = tmp_path / "blank.txt"
    material.write_text(content, encoding="utf-8")
    one_error(invoke("check", material), "文件为空")


def test_own_json_draft_over_the_input_limit_is_read_again(tmp_path, retriever):
    [result] = asyncio.run(draft_all([EXAMPLE], DraftOptions(outdir=tmp_path, docx=False), OfflineDrafter,
                                     lambda: retriever))
    record_path = next(tmp_path.glob("*.json"))
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record["items"][0]["raw"] = "很长的模型回答。" * 300_000  # what a runaway answer leaves in the record
    record_path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    assert record_path.stat().st_size > 1024 * 1024
    env = {"DUIZHAO_MAX_FILE_MB": "1"}  # the same as a 20 MB record under the default limit
    assert invoke("check", record_path, "--structure-only", **env).exit_code in (0, 1)
    result = invoke("export", record_path, "-o", tmp_path / "again.docx", **env)
    assert result.exit_code == 0, result.output
    big_text = tmp_path / "big.txt"
    big_text.write_text("很长的材料。" * 200_000, encoding="utf-8")
    one_error(invoke("check", big_text, **env), "文件过大")


# --- --force replaces only what duizhao wrote ---------------------------------------------------------------

def _pack(*args):
    drafts = [SEED, data_dir("corpus") / "002_b94c01ca5fb1103c.txt"]
    return invoke("eval", "pack", *drafts, *args)


def test_pack_force_keeps_the_users_files(tmp_path):
    folder = tmp_path / "pack"
    user_file = folder / "历年" / "2023.txt"
    user_file.parent.mkdir(parents=True)
    user_file.write_text("去年的材料", encoding="utf-8")
    assert _pack("-o", folder).exit_code == 2  # not empty: refused without --force
    result = _pack("-o", folder, "--force")
    assert result.exit_code == 0, result.output
    assert user_file.read_text(encoding="utf-8") == "去年的材料"
    written = sorted(p.name for p in folder.iterdir() if p.is_file())
    assert "评分表.csv" in written and "稿件A.docx" in written
    # Again: the pack's own files are replaced, the user's stay.
    result = _pack("-o", folder, "--force")
    assert result.exit_code == 0, result.output
    assert user_file.is_file()


def test_pack_force_never_replaces_a_filled_in_sheet(tmp_path):
    folder = tmp_path / "pack"
    assert _pack("-o", folder).exit_code == 0
    sheet = folder / "评分表.csv"
    sheet.write_bytes(sheet.read_bytes() + "稿件A,5,5,5\r\n".encode("utf-8"))
    one_error(_pack("-o", folder, "--force"), "评分表.csv")
    assert "稿件A,5,5,5" in sheet.read_text(encoding="utf-8-sig")


def test_pack_force_into_the_working_folder_deletes_nothing(tmp_path, monkeypatch):
    work = tmp_path / "work"
    (work / "notes").mkdir(parents=True)
    (work / "notes" / "a.md").write_text("我的笔记", encoding="utf-8")
    (work / "稿件A.docx").write_bytes(b"user's own file")
    monkeypatch.chdir(work)
    one_error(_pack("-o", ".", "--force"), "稿件A.docx")
    assert (work / "稿件A.docx").read_bytes() == b"user's own file" and (work / "notes" / "a.md").is_file()
    (work / "稿件A.docx").unlink()
    result = _pack("-o", ".", "--force")
    assert result.exit_code == 0, result.output
    assert (work / "notes" / "a.md").read_text(encoding="utf-8") == "我的笔记"


def test_pack_force_does_not_overwrite_a_file_that_is_not_a_key(tmp_path):
    key = tmp_path / "notes.json"
    key.write_text('{"mine": true}', encoding="utf-8")
    one_error(_pack("-o", tmp_path / "pack", "--key", key, "--force"), "不是 duizhao 写入的盲评密钥")
    assert key.read_text(encoding="utf-8") == '{"mine": true}'


def test_draft_force_keeps_a_draft_the_user_edited(tmp_path):
    out, store = tmp_path / "out", tmp_path / "store"
    assert invoke("draft", EXAMPLE, "-o", out, "--store", store, "--no-docx").exit_code == 0
    assert invoke("draft", EXAMPLE, "-o", out, "--store", store, "--no-docx", "--force").exit_code == 0
    [md] = out.glob("*.md")
    md.write_text(md.read_text(encoding="utf-8") + "\n我改过的一句。\n", encoding="utf-8")
    one_error(invoke("draft", EXAMPLE, "-o", out, "--store", store, "--no-docx", "--force"), "修改过")
    assert "我改过的一句" in md.read_text(encoding="utf-8")


def test_preview_without_libreoffice_leaves_no_folder(tmp_path):
    assert invoke("export", SEED, "-o", tmp_path / "m.docx").exit_code == 0
    one_error(invoke("preview", tmp_path / "m.docx", PATH=str(tmp_path / "nothing-here")), "soffice")
    assert not (tmp_path / "m-preview").exists()
    one_error(invoke("preview", tmp_path / "m.docx", "-o", tmp_path / "p", PATH=str(tmp_path / "nothing-here")),
              "soffice")
    assert not (tmp_path / "p").exists()


# --- a full disk -------------------------------------------------------------------------------------------

@pytest.fixture
def full_disk(tmp_path):
    """A 64 KB tmpfs filled to the brim (needs the right to mount, as root in a container usually has)."""
    folder = tmp_path / "full"
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        with open(folder / "filler", "wb") as handle:
            try:
                handle.write(os.urandom(64 * 1024))
                handle.flush()
            except OSError:
                pass
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


@pytest.mark.slow
def test_disk_full_names_the_file(full_disk, tmp_path):
    for args, target in ((("export", SEED, "-o", full_disk / "a.docx"), "a.docx"),
                         (("check", SEED, "--html", full_disk / "r.html"), "r.html"),
                         (("draft", EXAMPLE, "--offline", "-o", full_disk / "out", "--store", tmp_path / "store"),
                          "out")):
        line = one_error(invoke(*args), "磁盘空间已满")
        assert target in line and "：：" not in line


def test_disk_full_inside_a_write_names_the_file(tmp_path, monkeypatch):
    import errno

    import pipeline.core.atomic as atomic

    real_fdopen = os.fdopen

    class Full:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")  # write() names no file

    monkeypatch.setattr(atomic.os, "fdopen", lambda fd, mode: Full(real_fdopen(fd, mode)))
    line = one_error(invoke("check", SEED, "--html", tmp_path / "r.html"), "磁盘空间已满")
    assert str(tmp_path / "r.html") in line
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".r.html*"))
