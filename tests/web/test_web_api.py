"""The workbench's routes through FastAPI's TestClient: real specs, real example profiles, the real runner and
checker, the hashing embedder in a temp store."""

from __future__ import annotations

import io
import re
import time
import zipfile
from pathlib import Path

import docx
import pytest
import yaml
from fastapi.testclient import TestClient

from pipeline.core.errors import ModelError
from pipeline.core.resources import data_dir
from pipeline.material.profile import load_profile, parse_profile
from pipeline.material.specs import builtin_specs
from pipeline.web.app import WebConfig, create_app
from tests.web.jobs import wait

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "agency-2024-dangji.yaml"
H = {"X-Duizhao": "1"}


@pytest.fixture(autouse=True)
def _cache(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "web-cache"))


def make_client(tmp_path, retriever, **overrides) -> TestClient:
    config = WebConfig(data_dir=tmp_path / "data", retriever_factory=lambda: retriever,
                       model_available=lambda: False, **overrides)
    return TestClient(create_app(config), base_url="http://127.0.0.1")


@pytest.fixture
def client(tmp_path, retriever):
    return make_client(tmp_path, retriever)


def upload_example(client: TestClient) -> None:
    reply = client.post("/api/profile", files={"file": ("我支部.yaml", EXAMPLE.read_bytes())}, headers=H)
    assert reply.status_code == 200, reply.text


def drafted(client: TestClient) -> None:
    upload_example(client)
    reply = client.post("/api/draft", json={"offline": True}, headers=H)
    assert reply.status_code == 200, reply.text
    assert wait(client, reply.json()["job"])["status"] == "done"


def test_start_lists_every_spec_with_year_body_status_and_source(client):
    page = client.get("/").text
    for spec in builtin_specs().values():
        assert spec.id in page and spec.name in page and spec.body in page
    assert "地方做法" in page and "已确认" in page


def test_form_follows_the_spec_and_keeps_its_data_across_reloads(client, tmp_path, retriever):
    assert client.post("/api/spec", json={"spec": "2024-dangji-zuzhi"}, headers=H).json() == {"redirect": "/form"}
    page = client.get("/form").text
    positions = [page.index(f'data-aspect="{a}"') for a in ["政治纪律", "组织纪律", "廉洁纪律", "群众纪律", "工作纪律", "生活纪律"]]
    assert positions == sorted(positions)
    state = {"spec": "2024-dangji-zuzhi", "unit_name": "东山村党支部", "talks": "12",
             "aspects": {"政治纪律": [{"problem": "学习不深", "facts": ["全年集中学习仅3次"], "owner": "张三"}]}}
    assert client.post("/api/form", json=state, headers=H).json()["saved"]
    again = client.get("/form").text
    assert "东山村党支部" in again and "全年集中学习仅3次" in again and 'value="张三"' in again
    stranger = make_client(tmp_path, retriever)  # another browser: its own session
    assert "东山村党支部" not in stranger.get("/").text
    assert stranger.get("/form", follow_redirects=False).status_code == 303


def test_unknown_spec_is_one_chinese_line(client):
    reply = client.post("/api/spec", json={"spec": "no-such-meeting"}, headers=H)
    assert reply.status_code == 400 and reply.json()["error"].startswith("未知的会议规范")


@pytest.mark.parametrize("example", sorted((ROOT / "examples").glob("*.yaml")), ids=lambda p: p.stem)
def test_yaml_round_trip_is_the_cli_profile(client, tmp_path, example):
    """Every example profile in and out of the workbench unchanged, fields the form has no inputs for included."""
    reply = client.post("/api/profile", files={"file": (example.name, example.read_bytes())}, headers=H)
    assert reply.status_code == 200, reply.text
    original = load_profile(example)
    page = client.get("/form").text
    assert original.unit.name in page
    # The problem's 表现, 影响 and root are inputs of the form, shown filled in.
    for problems in original.aspects.values():
        for problem in problems:
            for value in (problem.detail, problem.impact):
                assert not value or f'value="{value}"' in page, value
            assert not problem.root or f'<option value="{problem.root}" selected>' in page
    if original.case_study and original.case_study.gaps:
        assert original.case_study.gaps[0] in page
    reply = client.get("/api/profile.yaml")
    assert reply.status_code == 200 and "attachment" in reply.headers["content-disposition"]
    saved = tmp_path / "back.yaml"
    saved.write_bytes(reply.content)
    assert load_profile(saved) == original
    # The page autosaves only the fields it shows; the others stay.
    shown_only = {"spec": original.meeting.spec, "unit_name": original.unit.name + "（改）", "unit_type": original.unit.type,
                  "self_name": original.unit.self_name, "year": str(original.meeting.year or "")}
    client.post("/api/form", json=shown_only, headers=H)
    saved.write_bytes(client.get("/api/profile.yaml").content)
    again = load_profile(saved)
    assert again.unit.name == original.unit.name + "（改）"
    assert again.campaign == original.campaign


def test_incomplete_form_gives_one_message_and_keeps_the_data(client):
    client.post("/api/spec", json={"spec": "2024-dangji-zuzhi"}, headers=H)
    state = {"spec": "2024-dangji-zuzhi", "unit_name": "东山村党支部",
             "aspects": {"组织纪律": [{"problem": "", "facts": ["7月主题党日改为业务培训"]}]}}
    client.post("/api/form", json=state, headers=H)
    reply = client.post("/api/draft", json={"offline": True}, headers=H)
    assert reply.status_code == 400
    assert reply.json()["error"] == "“组织纪律”第 1 行：请填写问题概括（或删去这一行）"
    assert "7月主题党日改为业务培训" in client.get("/form").text
    bad_number = dict(state, aspects={}, talks="十二")
    client.post("/api/form", json=bad_number, headers=H)
    assert client.get("/api/profile.yaml").json()["error"] == "“谈心谈话人次”应为整数，现为：十二"


@pytest.mark.parametrize("name,data,message", [
    ("profile.exe", b"unit: {}", "单位资料应为 .yaml / .yml 文件"),
    ("profile.txt", b"unit: {}", "单位资料应为 .yaml / .yml 文件"),
    ("profile.yaml", b"\x00\x01\x02PK\x03\x04" * 50, "不是文本文件"),
    ("profile.yaml", b"unit: [\n", "不是有效的 YAML"),
    ("profile.yaml", b"unit:\n  name: X\n", "缺少此必填字段"),
    ("profile.yaml", b"", "是空文件"),
])
def test_bad_profile_uploads(client, name, data, message):
    reply = client.post("/api/profile", files={"file": (name, data)}, headers=H)
    assert reply.status_code == 400 and message in reply.json()["error"]


def test_oversize_uploads_are_refused(tmp_path, retriever):
    small = make_client(tmp_path, retriever, max_yaml_bytes=1024, max_material_bytes=2048)
    reply = small.post("/api/profile", files={"file": ("big.yaml", b"# " + b"x" * 4096)}, headers=H)
    assert reply.status_code == 400 and "过大" in reply.json()["error"]
    huge = small.post("/api/material", files={"file": ("big.txt", "对照检查".encode() * 200_000)}, headers=H)
    assert huge.status_code == 413


def test_corrupt_docx_and_wrong_material_type(client):
    corrupt = client.post("/api/material", files={"file": ("材料.docx", b"PK\x03\x04 not really a zip")}, headers=H)
    assert corrupt.status_code == 400 and corrupt.json()["error"]
    assert "\n" not in corrupt.json()["error"]
    wrong = client.post("/api/material", files={"file": ("材料.pdf", b"%PDF-1.4")}, headers=H)
    assert wrong.status_code == 400 and "应为 .docx / .txt / .md" in wrong.json()["error"]
    assert client.get("/review", follow_redirects=False).status_code == 303  # nothing half-written


def test_path_traversal_names_never_become_paths(client, tmp_path):
    names = ["../../evil.yaml", "..\\..\\evil.yaml", "/etc/evil.yaml", "a/../../../evil.yaml"]
    for name in names:
        reply = client.post("/api/profile", files={"file": (name, EXAMPLE.read_bytes())}, data={"replace": "true"},
                             headers=H)
        assert reply.status_code == 200
    material = (data_dir("corpus") / "001_5e55ffca6ee2661c.txt").read_bytes()
    assert client.post("/api/material", files={"file": ("../../../evil.txt", material)}, headers=H).status_code == 200
    written = [p for p in tmp_path.rglob("*evil*")]
    assert written == []
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/%2e%2e/app.py").status_code == 404
    assert client.get("/api/jobs/..%2F..%2Fetc").status_code in (400, 404)
    assert client.get("/download/..%2Fform.json").status_code in (400, 404)
    outside = tmp_path / "outside.yaml"
    outside.write_text((ROOT / "specs" / "2024-dangji-zuzhi.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    for spec in (str(outside), "../../outside.yaml", "specs/2024-dangji-zuzhi.yaml"):
        assert client.post("/api/spec", json={"spec": spec}, headers=H).status_code == 400  # an id, never a path
        pointed = EXAMPLE.read_text(encoding="utf-8").replace("spec: 2024-dangji-zuzhi", f"spec: {spec}")
        reply = client.post("/api/profile", files={"file": ("a.yaml", pointed.encode())}, headers=H)
        assert reply.status_code == 400 and "未知的会议规范" in reply.json()["error"]


def test_opinions_are_proposed_under_the_aspect_they_fit(client):
    upload_example(client)  # compared with the aspects and the problems already listed under them
    text = "1. 群众诉求回复不及时\n2、组织生活流于形式\n\n执法文书质量有待提高\n群众诉求回复不及时"
    reply = client.post("/api/opinions", json={"text": text}, headers=H).json()
    assert [(o["text"], o["aspect"]) for o in reply["opinions"]] == [
        ("群众诉求回复不及时", "群众纪律"), ("组织生活流于形式", "组织纪律"), ("执法文书质量有待提高", "工作纪律")]
    empty = client.post("/api/opinions", json={"text": " \n\n"}, headers=H)
    assert empty.status_code == 400


def test_draft_streams_progress_and_reviews_with_findings_in_place(client):
    upload_example(client)
    start = client.post("/api/draft", json={"offline": True}, headers=H).json()
    keys = {item["key"] for item in start["items"]}
    assert any(item["label"].startswith("一、存在的") for item in start["items"])
    assert wait(client, start["job"])["status"] == "done"
    stream = client.get(f"/api/jobs/{start['job']}/events")
    assert stream.headers["content-type"].startswith("text/event-stream")
    finished = {line.split('"key": "')[1].split('"')[0] for line in stream.text.splitlines()
                if '"kind": "done"' in line and '"key"' in line}
    assert finished == keys and stream.text.rstrip().splitlines()[-1].startswith("data: ") and '"done"' in stream.text
    page = client.get("/review").text
    assert "县市场监督管理局机关第一党支部" in page
    flagged = [p for p in shown(page).values() if "flag-" in p[0]]
    assert flagged and all('class="finding' in p[2] for p in flagged)  # each finding sits at its paragraph
    assert "参考范文" in page and "ref-source" in page  # the passages retrieved beside the paragraphs
    # A 【待补】 still to fill is marked as such (highlighted like on the printout), whole and only it.
    marked = re.findall(r'<span class="[^"]*m-pending[^"]*"[^>]*>([^<]*)</span>', page)
    assert marked and all(m.startswith("【待补") and m.endswith("】") for m in marked)
    assert any(m.startswith("【待补：理想信念方面的原因") for m in marked)


PARA = re.compile(r'<div id="p(\d+)" class="para ([^"]*)" data-index="\d+">\s*<div class="text">(.*?)</div>'
                  r'(.*?)(?=<div class="para-row">|</article>)', re.S)


def shown(page: str) -> dict[int, tuple[str, str, str]]:
    """paragraph index → (classes, text without tags, what follows it: its findings and passages)."""
    return {int(n): (classes, re.sub(r"<[^>]+>", "", text), rest) for n, classes, text, rest in PARA.findall(page)}


def test_edit_is_saved_and_rechecked(client):
    unfinished = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    unfinished["aspects"]["生活纪律"] = []  # an aspect the unit has not filled in yet: the draft says 【待补】
    data = yaml.safe_dump(unfinished, allow_unicode=True).encode("utf-8")
    assert client.post("/api/profile", files={"file": ("unit.yaml", data)}, headers=H).status_code == 200
    job = client.post("/api/draft", json={"offline": True}, headers=H).json()["job"]
    assert wait(client, job)["status"] == "done"
    before = shown(client.get("/review").text)
    index, (classes, _, notes) = next((n, p) for n, p in before.items() if "【待补" in p[1] and "待补" in p[2])
    assert "flag-" in classes  # the placeholder finding sits at its paragraph
    new = "八小时以外约束不严。比如，今年3月有1名支委在工作日午间饮酒，被县纪委通报。"
    reply = client.post("/api/paragraph", json={"index": index, "text": new}, headers=H).json()
    after = shown(reply["html"])
    assert after[index][1] == new
    assert "待补" not in after[index][2]
    assert "工作日午间饮酒" in client.get("/review").text  # kept across reloads
    out_of_range = client.post("/api/paragraph", json={"index": 9999, "text": "x"}, headers=H)
    assert out_of_range.status_code == 400


def test_downloads_docx_md_zip(client):
    drafted(client)
    client.post("/api/paragraph", json={"index": 0, "text": "县市场监督管理局机关第一党支部党纪学习教育专题组织生活会对照检查材料（修改稿）"},
                headers=H)
    word = client.get("/download/docx")
    assert word.status_code == 200 and "filename*=UTF-8''" in word.headers["content-disposition"]
    written = docx.Document(io.BytesIO(word.content))
    text = "\n".join(p.text for p in written.paragraphs)
    assert "（修改稿）" in text and "存在的" in text
    comments = [c.text for c in written.comments]  # the 范文 stay Word comments after the edit, never body text
    assert any("范文" in c for c in comments) and not any(c[:20] in text for c in comments if len(c) > 20)
    assert "# " in client.get("/download/md").text
    archive = zipfile.ZipFile(io.BytesIO(client.get("/download/zip").content))
    names = archive.namelist()
    assert {n.rsplit(".", 1)[1] for n in names} == {"docx", "md", "html", "yaml", "xlsx"}  # xlsx: 整改清单
    profile = parse_profile(yaml.safe_load(archive.read(next(n for n in names if n.endswith(".yaml")))))
    assert profile == load_profile(EXAMPLE)
    assert client.get("/download/exe").status_code == 404


def test_uploaded_material_shows_copied_runs_with_their_source(client):
    seed = (data_dir("corpus") / "001_5e55ffca6ee2661c.txt").read_text(encoding="utf-8")
    lines = seed.splitlines()
    material = "\n".join(lines[: len(lines) // 2]).encode("utf-8")  # half a 范文: not the source itself
    assert client.post("/api/material", files={"file": ("材料.txt", material)}, headers=H).status_code == 200
    page = client.get("/review").text
    sources = set(re.findall(r'class="copied src\d+ *" title="[^"]+" data-source="([^"]+)"', page))
    assert len(sources) == 1  # one 范文, named in the legend with its colour
    assert f'<span class="src src0">{sources.pop()}</span>' in page
    assert float(re.search(r"查重率 ([\d.]+)%", page).group(1)) > 50
    assert "sev-error" in page


def test_failed_draft_is_one_message_and_the_form_stays(tmp_path, retriever):
    class Broken:
        system = "offline"

        def key(self, *args):
            return "broken"

        async def draft(self, *args):
            raise ModelError("大模型接口调用失败：连接被拒绝")

    client = make_client(tmp_path, retriever, offline_drafter=lambda: Broken)
    upload_example(client)
    job = client.post("/api/draft", json={"offline": True}, headers=H).json()["job"]
    status = wait(client, job)
    assert status["status"] == "failed"
    assert "大模型接口调用失败：连接被拒绝" in status["message"] and "\n" not in status["message"]
    assert "县市场监督管理局机关第一党支部" in client.get("/form").text
    assert client.get("/review", follow_redirects=False).status_code == 303


def test_token_required_on_a_non_loopback_bind(tmp_path, retriever):
    config = WebConfig(data_dir=tmp_path / "data", token="s3cret-token", loopback=False,
                       retriever_factory=lambda: retriever, model_available=lambda: False)
    app = create_app(config)
    anonymous = TestClient(app, base_url="http://192.168.1.20:8000")
    for path in ("/", "/form", "/review", "/static/app.css", "/download/docx", "/api/profile.yaml"):
        assert anonymous.get(path).status_code == 401
    assert anonymous.post("/api/spec", json={"spec": "2024-dangji-zuzhi"}, headers=H).status_code == 401
    assert anonymous.get("/?token=wrong").status_code == 401
    assert anonymous.get("/", headers={"X-Duizhao-Token": "wrong"}).status_code == 401
    assert anonymous.get("/", headers={"X-Duizhao-Token": "s3cret-token"}).status_code == 200
    user = TestClient(app, base_url="http://192.168.1.20:8000")
    entry = user.get("/form?token=s3cret-token", follow_redirects=False)
    assert entry.status_code == 303 and "token" not in entry.headers["location"]
    assert user.get("/").status_code == 200  # the cookie carries it from now on
    assert user.post("/api/spec", json={"spec": "2024-dangji-zuzhi"}, headers=H).status_code == 200


def test_loopback_bind_refuses_foreign_host_names_and_cross_site_posts(client):
    assert client.get("/", headers={"host": "evil.example.com"}).status_code == 400
    assert client.get("/", headers={"host": "localhost:8000"}).status_code == 200
    assert client.post("/api/spec", json={"spec": "2024-dangji-zuzhi"}).status_code == 403
    form = client.post("/api/profile", files={"file": ("a.yaml", EXAMPLE.read_bytes())})
    assert form.status_code == 403


def test_jobs_of_another_session_are_not_visible(client):
    upload_example(client)
    job = client.post("/api/draft", json={"offline": True}, headers=H).json()["job"]
    assert client.get(f"/api/jobs/{job}").status_code == 200
    stranger = TestClient(client.app, base_url="http://127.0.0.1")
    assert stranger.get(f"/api/jobs/{job}").status_code == 404
    assert stranger.get(f"/api/jobs/{job}/events").status_code == 404
    wait(client, job)


def test_serve_refuses_a_busy_port_and_an_empty_token(tmp_path):
    import socket

    from typer.testing import CliRunner

    from pipeline.cli.main import app

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--port", str(port), "--no-browser", "--data", str(tmp_path)])
    assert result.exit_code == 2 and "端口可能已被占用" in result.output
    empty = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--token", " ", "--no-browser"])
    assert empty.exit_code == 2 and "--token 不能为空" in empty.output


def test_draft_with_the_configured_model_over_http(tmp_path, retriever, stub_server, monkeypatch):
    """The model path as a user configures it: OPENAI_BASE_URL in the environment, the real HTTP client."""
    monkeypatch.setenv("OPENAI_BASE_URL", stub_server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-123456")
    monkeypatch.setenv("DUIZHAO_MODEL", "stub-model")
    stub_server.default = "支部班子在这一方面还有差距，4次集中学习中只有1次结合执法案例开展讨论。"
    client = TestClient(create_app(WebConfig(data_dir=tmp_path / "data", retriever_factory=lambda: retriever)),
                        base_url="http://127.0.0.1")
    upload_example(client)
    assert 'value="model" disabled' not in client.get("/form").text  # the model choice is offered
    job = client.post("/api/draft", json={"offline": False}, headers=H).json()["job"]
    assert wait(client, job)["status"] == "done"
    assert stub_server.chat_requests  # drafted over HTTP, not by the offline composer
    page = client.get("/review").text
    assert "model:stub-model" in page and "结合执法案例开展讨论" in page


def test_a_failing_model_endpoint_is_one_message(tmp_path, retriever, stub_server, monkeypatch):
    from stub_server import Reply

    monkeypatch.setenv("OPENAI_BASE_URL", stub_server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-123456")
    monkeypatch.setenv("DUIZHAO_MAX_RETRIES", "0")
    stub_server.default = None
    stub_server.responder = lambda request: Reply(status=401, body={"error": {"message": "Incorrect API key"}})
    client = TestClient(create_app(WebConfig(data_dir=tmp_path / "data", retriever_factory=lambda: retriever)),
                        base_url="http://127.0.0.1")
    upload_example(client)
    job = client.post("/api/draft", json={"offline": False}, headers=H).json()["job"]
    status = wait(client, job)
    assert status["status"] == "failed" and "\n" not in status["message"]
    assert "模型服务认证失败（HTTP 401）" in status["message"] and "sk-test-123456" not in status["message"]
    assert "县市场监督管理局机关第一党支部" in client.get("/form").text


@pytest.mark.slow
def test_serve_on_all_interfaces_prints_a_token_every_request_needs(tmp_path):
    """The real command: `duizhao serve --host 0.0.0.0` generates a token, prints it, and refuses requests without it."""
    import os
    import socket
    import subprocess
    import sys

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    command = [sys.executable, "-m", "pipeline.cli.main", "serve", "--host", "0.0.0.0", "--port", str(port),
               "--no-browser", "--data", str(tmp_path / "web")]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first = server.stdout.readline()
        assert first.startswith("工作台已启动：http://127.0.0.1:") and "?token=" in first
        token = first.strip().rsplit("?token=", 1)[1]
        assert token in server.stdout.readline()  # said once more, as the token to hand to colleagues
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                anonymous = httpx.get(base + "/", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert anonymous.status_code == 401
        with httpx.Client(base_url=base, timeout=5) as user:
            assert user.get(f"/?token={token}", follow_redirects=True).status_code == 200
            assert "选择会议规范" in user.get("/").text
    finally:
        server.terminate()
        server.wait(timeout=20)
