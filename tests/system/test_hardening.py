"""Whatever users feed duizhao: every bad input is one line on stderr naming the file or field and what to do,
exit 2, no traceback, and nothing half-written. The cases are listed in tests/BAD_INPUTS.md."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.models.embed import HashingEmbeddings
from pipeline.core.resources import data_dir
from pipeline.material.specs import load_spec
from pipeline.corpus.ingest import ingest
from pipeline.corpus.store import Store
from pipeline.corpus.storelock import WRITE_LOCK

ROOT = Path(__file__).resolve().parents[2]
SEED = data_dir("corpus") / "001_5e55ffca6ee2661c.txt"
SEED_TEXT = SEED.read_text(encoding="utf-8")
EXAMPLE = ROOT / "examples" / "agency-2024-dangji.yaml"
OLE = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504) + b"Microsoft Word-Dokument\x00" * 20
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256)) * 4
# Environment for every run: a hashing embedder (instant, offline), no model endpoint, no store from the caller.
BASE_ENV = {"COLUMNS": "120", "DUIZHAO_EMBEDDER": "hash", "OPENAI_BASE_URL": None, "OPENAI_API_KEY": None,
            "DUIZHAO_CHROMA_URL": None, "DUIZHAO_STORE_DIR": None, "DUIZHAO_MAX_FILE_MB": None,
            "DUIZHAO_DEBUG": None, "DUIZHAO_EMBED_DIMENSIONS": None}


def invoke(*args, **env):
    return CliRunner().invoke(app, [str(a) for a in args], env={**BASE_ENV, **env})


def error_line(result, words: str, exit_code: int = 2, code: str | None = None) -> str:
    """The run failed with `exit_code`, printing exactly one error line (containing `words`) and no traceback."""
    assert result.exit_code == exit_code, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr and result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("错误")]
    assert len(errors) == 1, result.stderr
    assert words in errors[0], errors[0]
    # People see no machine code (`code` names the library error the case raises; --json carries it).
    assert errors[0].startswith("错误：") and not (code and code in errors[0]), errors[0]
    return errors[0]


def outputs(folder: Path) -> list[str]:
    """Files a user would see (drafts, reports), not the resumable cache."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and ".duizhao" not in p.parts)


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    """An embedded store holding the packaged corpus, made with the embedder BASE_ENV selects."""
    folder = tmp_path_factory.mktemp("store")
    ingest([data_dir("corpus")], Store.open(folder), HashingEmbeddings())
    return folder


@pytest.fixture
def readonly_dir(tmp_path):
    """A folder nobody may write to, root included (root ignores permission bits: the immutable flag)."""
    folder = tmp_path / "readonly"
    folder.mkdir()
    if os.geteuid() == 0:
        done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
        if done.returncode != 0:
            pytest.skip("cannot make a read-only folder as root here (chattr unsupported)")
    else:
        folder.chmod(0o555)
    try:
        yield folder
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
        folder.chmod(0o755)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_profile(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


GOOD_PROFILE = "unit: {name: 某支部}\nmeeting: {spec: 2024-dangji-zuzhi}\n"


# --- materials: encodings, formats, sizes (check / export) -------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_material_in_any_common_encoding_reads_as_utf8(tmp_path, encoding):
    source = tmp_path / f"范文-{encoding}.txt"
    source.write_bytes(SEED_TEXT.encode(encoding))
    expected = invoke("check", "--structure-only", "--json", "--spec", "2023-zhuti-minzhu", SEED)
    result = invoke("check", "--structure-only", "--json", "--spec", "2023-zhuti-minzhu", source)
    assert result.exit_code == expected.exit_code == 0, result.output
    assert json.loads(result.stdout)["structure"] == json.loads(expected.stdout)["structure"]


def test_old_word_file_renamed_docx(tmp_path):
    fake = tmp_path / "材料.docx"
    fake.write_bytes(OLE)
    line = error_line(invoke("check", "--structure-only", fake), "旧版 Word", code="bad-input")
    assert str(fake) in line and "另存为" in line
    error_line(invoke("export", fake, "-o", tmp_path / "out.docx"), "旧版 Word")
    assert not (tmp_path / "out.docx").exists()


def test_old_word_file_with_its_own_extension(tmp_path):
    old = tmp_path / "材料.doc"
    old.write_bytes(OLE)
    line = error_line(invoke("check", "--structure-only", old), "不支持的文件类型 .doc")
    assert "另存为 .docx" in line


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 truncated zip", PNG], ids=["zero-bytes", "cut-zip", "png"])
def test_corrupt_docx(tmp_path, content):
    broken = tmp_path / "broken.docx"
    broken.write_bytes(content)
    error_line(invoke("check", "--structure-only", broken), "不是有效的 Word(.docx) 文件")


def test_docx_without_text_is_empty(tmp_path):
    import docx

    blank = tmp_path / "blank.docx"
    docx.Document().save(str(blank))
    error_line(invoke("check", "--structure-only", blank), "文件为空")


def test_image_with_a_text_extension(tmp_path):
    picture = tmp_path / "scan.txt"
    picture.write_bytes(PNG)
    error_line(invoke("check", "--structure-only", picture), "不是文本文件")


def test_huge_file_is_refused_before_reading(tmp_path):
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as handle:  # sparse: 200 MB on paper, nothing on disk
        handle.truncate(200 * 1024 * 1024)
    line = error_line(invoke("check", "--structure-only", huge), "文件过大（200 MB，上限 20 MB）")
    assert "DUIZHAO_MAX_FILE_MB" in line
    for command in (("export", huge, "-o", tmp_path / "x.docx"), ("draft", huge, "-o", tmp_path / "out")):
        error_line(invoke(*command), "过大")
    assert outputs(tmp_path / "out") == [] and not (tmp_path / "x.docx").exists()


def test_size_limit_is_configurable(tmp_path):
    source = tmp_path / "范文.txt"
    source.write_text(SEED_TEXT, encoding="utf-8")  # 13 KB
    error_line(invoke("check", "--structure-only", source, DUIZHAO_MAX_FILE_MB="0.01"), "（13 KB，上限 10 KB）")
    assert invoke("check", "--structure-only", source, DUIZHAO_MAX_FILE_MB="0.1").exit_code in (0, 1)
    error_line(invoke("check", "--structure-only", source, DUIZHAO_MAX_FILE_MB="lots"), "DUIZHAO_MAX_FILE_MB 应为数字")


def test_json_that_is_not_a_document(tmp_path):
    broken = tmp_path / "draft.json"
    broken.write_text('{"document": {"title": "x", ', encoding="utf-8")
    error_line(invoke("check", "--structure-only", broken), "不是有效的 JSON（第 1 行")
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]", encoding="utf-8")
    error_line(invoke("export", listed, "-o", tmp_path / "x.docx"), "不是 duizhao 文档 JSON")


def test_target_chars_must_be_positive():
    error_line(invoke("check", "--structure-only", "--target-chars", "0", SEED), "--target-chars 应为正整数")


# --- profiles (check --profile, draft) ---------------------------------------------------------------------------

PROFILE_CASES = {
    "wrong type": ("unit: {name: 某支部}\nmeeting: {spec: 2024-dangji-zuzhi}\ntarget_chars: 很多\n",
                   "字段 target_chars 有误：应为整数"),
    "unknown field": ("unit: {name: 某支部}\nmeeting: {spec: 2024-dangji-zuzhi}\nworks: []\n",
                      "字段 works 是未知字段（可用：unit、meeting、preparation、work、aspects"),
    "unknown nested field": ("unit: {name: 某支部, kind: 党支部}\nmeeting: {spec: 2024-dangji-zuzhi}\n",
                             "字段 unit.kind 是未知字段（可用：name、type、self）"),
    "unknown spec": ("unit: {name: 某支部}\nmeeting: {spec: 2099-nope}\n", "未知的会议规范：2099-nope"),
    "empty aspect list": ("unit: {name: 某支部}\nmeeting: {spec: 2024-dangji-zuzhi}\naspects: []\n",
                          "字段 aspects 有误：应为键值对"),
    "aspect not a list": ("unit: {name: 某支部}\nmeeting: {spec: 2024-dangji-zuzhi}\naspects: {政治纪律: 开会少}\n",
                          "字段 aspects.政治纪律 有误：应为列表"),
    "missing unit": ("meeting: {spec: 2024-dangji-zuzhi}\n", "字段 unit 有误：缺少此必填字段"),
    "empty name": ("unit: {name: ''}\nmeeting: {spec: 2024-dangji-zuzhi}\n", "字段 unit.name 有误：不能为空"),
    "year out of range": ("unit: {name: 某支部}\nmeeting: {spec: 2024-dangji-zuzhi, year: 24}\n",
                          "字段 meeting.year 有误：应不小于 2000"),
    "empty file": ("", "是空文件"),
    "yaml list": ("- unit\n- meeting\n", "内容是列表"),
    "plain text": ("这是我们支部的情况\n", "应为键值对"),
    "broken yaml": ("unit: {name: 某支部\nmeeting: [\n", "不是有效的 YAML：第 2 行的方括号或花括号没有配对"),
    "tab indentation": ("unit:\n\tname: 某支部\n", "不是有效的 YAML"),
}


@pytest.mark.parametrize("case", list(PROFILE_CASES))
def test_bad_profile(tmp_path, store_dir, case):
    text, words = PROFILE_CASES[case]
    profile = write_profile(tmp_path / "我支部.yaml", text)
    line = error_line(invoke("check", "--structure-only", "--profile", profile, SEED), words)
    assert str(profile) in line or "2099-nope" in line
    # The same line from draft, before any store is opened or any file written.
    out = tmp_path / "out"
    result = invoke("draft", profile, "-o", out, "--offline", "--store", tmp_path / "no-store")
    assert words in error_line(result, words)
    assert outputs(out) == [] and not (tmp_path / "no-store").exists()


def test_binary_profile(tmp_path):
    profile = tmp_path / "我支部.yaml"
    profile.write_bytes(PNG)
    error_line(invoke("draft", profile, "-o", tmp_path / "out", "--offline"), "不是文本文件")


def test_profile_saved_as_gbk_is_read(tmp_path, store_dir):
    profile = tmp_path / "我支部.yaml"
    profile.write_bytes(EXAMPLE.read_text(encoding="utf-8").encode("gbk"))
    result = invoke("draft", profile, "-o", tmp_path / "out", "--offline", "--no-docx", "--store", store_dir)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "县市场监督管理局机关第一党支部.md").is_file()


def test_two_profiles_for_one_unit_in_a_batch(tmp_path, store_dir):
    folder = tmp_path / "profiles"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "a.yaml")
    shutil.copy(EXAMPLE, folder / "b.yaml")
    result = invoke("draft", folder, "-o", tmp_path / "out", "--offline", "--no-docx", "--store", store_dir)
    assert result.exit_code == 1, result.output  # one drafted, one refused: the batch reports both
    assert "单位名称相同" in result.stdout and outputs(tmp_path / "out") == [
        "县市场监督管理局机关第一党支部.json", "县市场监督管理局机关第一党支部.md"]


def test_empty_profile_folder(tmp_path):
    (tmp_path / "profiles").mkdir()
    error_line(invoke("draft", tmp_path / "profiles", "-o", tmp_path / "out", "--offline"), "没有找到单位资料")


# --- meeting specs (check --spec, specs show, profile init) ------------------------------------------------------


def spec_file(tmp_path: Path, change) -> Path:
    data = load_spec("2024-dangji-zuzhi").model_dump(exclude_defaults=True)
    change(data)
    path = tmp_path / "我的规范.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


SPEC_CASES = {
    "duplicate aspect": (lambda d: d["aspects"].append({"name": "廉洁纪律"}), "重复的方面：廉洁纪律"),
    "alias of another aspect": (lambda d: d["aspects"][1].update(aliases=["政治纪律"]), "重复的方面：政治纪律"),
    "no aspects": (lambda d: d.update(aspects=[]), "字段 aspects 有误：不能为空"),
    "unknown field": (lambda d: d.update(weight=1), "字段 weight 是未知字段"),
    "wrong meeting kind": (lambda d: d.update(meeting="座谈会"), "字段 meeting 有误：应为 '民主生活会' or '组织生活会' 之一"),
}


@pytest.mark.parametrize("case", list(SPEC_CASES))
def test_bad_spec_file(tmp_path, case):
    change, words = SPEC_CASES[case]
    path = spec_file(tmp_path, change)
    for command in (("check", "--structure-only", "--spec", path, SEED), ("specs", "show", path),
                    ("profile", "init", "--spec", path)):
        line = error_line(invoke(*command), words)
        assert str(path) in line


def test_empty_spec_file(tmp_path):
    empty = tmp_path / "空.yaml"
    empty.write_text("", encoding="utf-8")
    error_line(invoke("specs", "show", empty), "是空文件")


# --- outputs -----------------------------------------------------------------------------------------------------


def test_export_needs_a_docx_name(tmp_path):
    error_line(invoke("export", SEED, "-o", tmp_path / "定稿.pdf"), "输出文件应以 .docx 结尾")
    error_line(invoke("export", SEED, "-o", tmp_path / "no" / "such" / "定稿.docx"), "输出目录不存在", code="output-error")
    assert list(tmp_path.iterdir()) == []


def test_export_into_a_read_only_folder(readonly_dir):
    error_line(invoke("export", SEED, "-o", readonly_dir / "定稿.docx"), "没有写入权限", code="output-error")
    assert list(readonly_dir.iterdir()) == []


def test_draft_into_a_read_only_folder(tmp_path, readonly_dir, store_dir):
    error_line(invoke("draft", EXAMPLE, "-o", readonly_dir, "--offline", "--store", store_dir), "输出目录不可写",
               code="output-error")
    error_line(invoke("draft", EXAMPLE, "-o", readonly_dir / "sub", "--offline", "--store", store_dir),
               "无法创建输出目录", code="output-error")
    assert list(readonly_dir.iterdir()) == []


def test_draft_output_path_is_a_file(tmp_path, store_dir):
    taken = tmp_path / "out"
    taken.write_text("x", encoding="utf-8")
    error_line(invoke("draft", EXAMPLE, "-o", taken, "--offline", "--store", store_dir), "不是目录")


def test_unknown_layout_is_refused_before_drafting(tmp_path, store_dir):
    out = tmp_path / "out"
    error_line(invoke("draft", EXAMPLE, "-o", out, "--offline", "--layout", "a4", "--store", store_dir), "未知的版式：a4")
    assert not out.exists()


def test_html_report_into_a_read_only_folder(readonly_dir):
    error_line(invoke("check", "--structure-only", "--html", readonly_dir / "sub" / "审查.html", SEED),
               "无法创建输出目录", code="output-error")
    assert list(readonly_dir.iterdir()) == []


def test_preview_refuses_what_is_not_a_docx(tmp_path):
    error_line(invoke("preview", SEED), "预览需要 Word(.docx) 文件")
    fake = tmp_path / "材料.docx"
    fake.write_bytes(OLE)
    error_line(invoke("preview", fake), "旧版 Word")
    error_line(invoke("preview", tmp_path / "nope.docx"), "文件不存在")
    assert not (tmp_path / "材料-preview").exists()


@pytest.mark.soffice
def test_preview_into_a_read_only_folder(tmp_path, readonly_dir):
    document = tmp_path / "定稿.docx"
    assert invoke("export", SEED, "-o", document).exit_code == 0
    error_line(invoke("preview", document, "-o", readonly_dir), "输出目录不可写", code="output-error")


# --- stores and corpora (ingest, search, draft) ------------------------------------------------------------------


def test_ingest_of_an_empty_folder_creates_no_store(tmp_path):
    (tmp_path / "empty").mkdir()
    error_line(invoke("ingest", tmp_path / "empty", "--store", tmp_path / "store"), "没有找到可入库的范文文件")
    assert not (tmp_path / "store").exists()


def test_corpus_folder_with_images_and_old_word_files(tmp_path):
    corpus = tmp_path / "范文"
    corpus.mkdir()
    shutil.copy(SEED, corpus / "范文一.txt")
    (corpus / "照片.png").write_bytes(PNG)
    (corpus / "旧材料.doc").write_bytes(OLE)
    (corpus / "换了扩展名.docx").write_bytes(OLE)
    (corpus / "扫描件.txt").write_bytes(PNG)
    result = invoke("ingest", corpus, "--store", tmp_path / "store")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("警告：已跳过")]
    assert len(warnings) == 4
    for name in ("照片.png", "旧材料.doc", "换了扩展名.docx", "扫描件.txt"):
        assert sum(name in line for line in warnings) == 1, (name, warnings)
    assert "入库完成：1 个文件" in result.stdout
    collection = Store.open(tmp_path / "store").collection()
    assert {m["source"] for m in collection.get(include=["metadatas"])["metadatas"]} == {"范文一.txt"}
    # Named on the command line, the same file is an error, and the store is left as it was.
    error_line(invoke("ingest", corpus / "换了扩展名.docx", "--store", tmp_path / "store"), "旧版 Word")
    # The copy-rate corpus skips them the same way.
    result = invoke("check", "--corpus", corpus, SEED)
    assert result.exit_code in (0, 1) and "扫描件.txt" in result.stderr and "Traceback" not in result.stderr


def test_corpus_folder_with_nothing_readable(tmp_path):
    corpus = tmp_path / "范文"
    corpus.mkdir()
    (corpus / "扫描件.txt").write_bytes(PNG)
    error_line(invoke("ingest", corpus, "--store", tmp_path / "store"), "没有可入库的范文")
    assert Store.open(tmp_path / "store").collection() is None


def test_store_locked_by_another_ingest(tmp_path, store_dir):
    copy = tmp_path / "store"
    shutil.copytree(store_dir, copy)
    with open(copy / WRITE_LOCK, "a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # as a running ingest in another process holds it
        line = error_line(invoke("ingest", SEED, "--store", copy, DUIZHAO_LOCK_TIMEOUT="0.3"), "正被另一个 duizhao 进程写入",
                          code="store-error")
        assert "DUIZHAO_LOCK_TIMEOUT" in line
        # Readers do not wait for an ingest that is still embedding.
        result = invoke("search", "理论学习", "--store", copy, "-k", "1", DUIZHAO_LOCK_TIMEOUT="0.3")
        assert result.exit_code == 0, result.output


def test_store_built_by_another_embedder(tmp_path, store_dir):
    for command in (("search", "理论学习", "--store", store_dir),
                    ("ingest", SEED, "--store", store_dir),
                    ("draft", EXAMPLE, "-o", tmp_path / "out", "--offline", "--store", store_dir)):
        line = error_line(invoke(*command, DUIZHAO_EMBED_DIMENSIONS="64"), "hash-bigram-256", code="store-error")
        assert "hash-bigram-64" in line and "--reset" in line
    assert outputs(tmp_path / "out") == []


def test_store_path_is_a_file_or_garbage(tmp_path):
    taken = tmp_path / "store"
    taken.write_text("x", encoding="utf-8")
    error_line(invoke("ingest", SEED, "--store", taken), "向量库路径不是目录", code="store-error")
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "chroma.sqlite3").write_bytes(b"not a database" * 100)
    error_line(invoke("search", "理论学习", "--store", garbage), "向量库", code="store-error")


@pytest.mark.parametrize("command", ["ingest", "search", "draft"])
def test_chroma_server_down(tmp_path, command):
    url = f"http://127.0.0.1:{closed_port()}"
    args = {"ingest": ("ingest", SEED), "search": ("search", "理论学习"),
            "draft": ("draft", EXAMPLE, "-o", tmp_path / "out", "--offline")}[command]
    error_line(invoke(*args, "--chroma-url", url), f"连不上 Chroma 服务器 {url}", code="store-error")
    assert outputs(tmp_path / "out") == []


def test_search_options(store_dir):
    error_line(invoke("search", "理论学习", "--store", store_dir, "--role", "问题"), "未知的部分：问题")
    error_line(invoke("search", "理论学习", "--store", store_dir, "-k", "0"), "检索条数 k 应为正整数")
    error_line(invoke("search", "  ", "--store", store_dir), "检索内容为空")
    error_line(invoke("search", "理论学习", "--store", store_dir, "--embedder", "bert"), "未知的嵌入模型类型：bert")


def test_model_settings_from_the_environment(tmp_path, store_dir):
    line = error_line(invoke("draft", EXAMPLE, "-o", tmp_path / "out", "--store", store_dir,
                             OPENAI_BASE_URL="api.deepseek.com"), "模型接口地址无效")
    assert "http://" in line
    error_line(invoke("draft", EXAMPLE, "-o", tmp_path / "out", "--store", store_dir,
                      OPENAI_BASE_URL="http://127.0.0.1:1/v1", DUIZHAO_TIMEOUT="soon"), "模型设置无效：timeout")


# --- unexpected failures -----------------------------------------------------------------------------------------


def test_internal_error_is_one_line_exit_3(monkeypatch):
    import pipeline.review.structure

    def broken(*args, **kwargs):
        raise RuntimeError("index out of step, key sk-abcdefghijklmnop")

    monkeypatch.setattr(pipeline.review.structure, "check_structure", broken)
    monkeypatch.setattr("pipeline.review.check.check_structure", broken)
    line = error_line(invoke("check", "--structure-only", SEED), "内部错误：RuntimeError: index out of step", exit_code=3,
                      code="internal")
    assert "请报告" in line and "DUIZHAO_DEBUG=1" in line and "sk-abcdefghijklmnop" not in line
    # DUIZHAO_DEBUG=1 lets the exception (and so its traceback) through.
    result = invoke("check", "--structure-only", SEED, DUIZHAO_DEBUG="1")
    assert isinstance(result.exception, RuntimeError)


def test_internal_error_in_a_real_process(tmp_path):
    script = ("import sys, pipeline.review.check as r\n"
              "def boom(*a, **k): raise ZeroDivisionError('division by zero')\n"
              "r.check_structure = boom\n"
              "from pipeline.cli.main import app\n"
              "sys.argv = ['duizhao', 'check', '--structure-only', sys.argv[1]]\n"
              "app()\n")
    env = {k: v for k, v in os.environ.items() if k != "DUIZHAO_DEBUG"}
    done = subprocess.run([sys.executable, "-c", script, str(SEED)], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 3 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == ["错误：内部错误：ZeroDivisionError: division by zero"
                                                "（请报告；设置 DUIZHAO_DEBUG=1 可显示详细信息）"]
    done = subprocess.run([sys.executable, "-c", script, str(SEED)], capture_output=True, text=True, timeout=60,
                          env={**env, "DUIZHAO_DEBUG": "1"})
    assert done.returncode == 1 and "Traceback" in done.stderr and "ZeroDivisionError" in done.stderr


def test_disk_errors_are_input_output_errors(monkeypatch, tmp_path):
    import pipeline.review.check

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(tmp_path / "cache.pkl"))

    monkeypatch.setattr(pipeline.review.check, "check_structure", full)
    line = error_line(invoke("check", "--structure-only", SEED), "读写文件失败", code="io-error")
    assert "磁盘空间已满" in line and "cache.pkl" in line


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, "cancelled"])
def test_interrupt_exits_130_with_a_resume_hint(monkeypatch, interrupt):
    import asyncio

    import pipeline.review.check

    def stop(*args, **kwargs):
        raise KeyboardInterrupt if interrupt is KeyboardInterrupt else asyncio.CancelledError()

    monkeypatch.setattr(pipeline.review.check, "check_structure", stop)
    result = invoke("check", "--structure-only", SEED)
    assert result.exit_code == 130 and "已中断" in result.stderr and "Traceback" not in result.stderr


def test_every_error_message_fits_on_one_line(tmp_path):
    """Library messages that embed other libraries' errors (YAML, chroma) are folded onto one line."""
    profile = write_profile(tmp_path / "p.yaml", "unit:\n  name: [\n    a\n  b: c\n")
    result = invoke("check", "--structure-only", "--profile", profile, SEED)
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1


def test_zip_bomb_docx(tmp_path):
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"\x00" * (3 * 1024 * 1024))
    assert bomb.stat().st_size < 100 * 1024
    error_line(invoke("check", "--structure-only", bomb, DUIZHAO_MAX_FILE_MB="0.2"), "解压后过大")


@pytest.mark.soffice  # the stand-in replaces soffice; the PDF readers (poppler) are real
def test_failed_render_leaves_no_partial_pdf(tmp_path):
    """LibreOffice dying halfway (here a stand-in that writes half a PDF and fails) leaves nothing in the folder."""
    document = tmp_path / "定稿.docx"
    assert invoke("export", SEED, "-o", document).exit_code == 0
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "soffice"
    fake.write_text('#!/bin/sh\nwhile [ "$1" != "--outdir" ]; do shift; done\nmkdir -p "$2"\n'
                    'printf "%%PDF-1.7 half" > "$2/定稿.pdf"\necho "crashed" >&2\nexit 1\n', encoding="utf-8")
    fake.chmod(0o755)
    out = tmp_path / "预览"
    line = error_line(invoke("preview", document, "-o", out, PATH=f"{bin_dir}:{os.environ['PATH']}"),
                      "LibreOffice 未能转换", code="output-error")
    assert "crashed" in line
    assert not out.exists()  # the folder made for this preview is gone again, nothing half-written in it


def test_interrupted_ingest_leaves_the_store_as_it_was(tmp_path):
    class Interrupted(HashingEmbeddings):
        def embed_documents(self, texts):
            raise KeyboardInterrupt

    store = Store.open(tmp_path / "store")
    ingest([SEED], store, HashingEmbeddings())
    before = store.collection().count()
    with pytest.raises(KeyboardInterrupt):
        ingest([data_dir("corpus")], store, Interrupted())
    assert store.collection().count() == before
    report = ingest([data_dir("corpus")], store, HashingEmbeddings())  # and the next run completes it
    assert report.unchanged_files == 1 and report.total > before


def test_fanwen_saved_as_gbk_from_a_website(tmp_path):
    """Ingested as text, not mojibake: the passages equal those of the UTF-8 original."""
    folder = tmp_path / "下载的范文"
    folder.mkdir()
    (folder / "网页另存.txt").write_bytes(SEED_TEXT.encode("gbk"))
    (folder / "记事本另存.txt").write_bytes(SEED_TEXT.replace("\n", "\r\n").encode("utf-16"))
    result = invoke("ingest", folder, "--store", tmp_path / "store")
    assert result.exit_code == 0 and result.stderr.strip() == "", result.output  # no file skipped
    reference = Store.open(tmp_path / "reference")
    ingest([SEED], reference, HashingEmbeddings())

    def texts(store: Store, source: str) -> list[str]:
        got = store.collection().get(include=["documents", "metadatas"])
        return sorted(text for text, meta in zip(got["documents"], got["metadatas"]) if meta["source"] == source)

    expected = texts(reference, SEED.name)
    stored = Store.open(tmp_path / "store")
    assert texts(stored, "网页另存.txt") == expected and texts(stored, "记事本另存.txt") == expected
