"""The workbench over months: the session cookie slides with use, a session unused past its cookie is removed
(never a symlink's target, never one being drafted into), `--keep-days` sets that lifetime, finished jobs are forgotten."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pipeline.web.app import SESSION_COOKIE, WebConfig, create_app
from pipeline.web.jobs import Jobs
from pipeline.web.store import new_id, remove_stale_sessions

H = {"X-Duizhao": "1"}
DAY = 24 * 3600


@pytest.fixture(autouse=True)
def _cache(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "web-cache"))


def make_app(tmp_path: Path, **overrides):
    config = WebConfig(data_dir=tmp_path / "data", model_available=lambda: False, **overrides)
    return create_app(config)


def session_cookie(response) -> str | None:
    return next((c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "=")), None)


def age(path: Path, days: float) -> None:
    """Set a folder's last-seen time `days` into the past (a symlink itself, not its target)."""
    then = time.time() - days * DAY
    os.utime(path, (then, then), follow_symlinks=False)


def wait_until(condition, what: str) -> None:
    for _ in range(200):
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(what)


def test_the_cookie_is_renewed_on_every_page_and_api_answer_but_not_on_static_files(tmp_path):
    client = TestClient(make_app(tmp_path, session_days=30), base_url="http://127.0.0.1")
    first = session_cookie(client.get("/"))
    assert first and "Max-Age=2592000" in first  # 30 days, from the config
    sid = client.cookies[SESSION_COOKIE]
    again = session_cookie(client.get("/"))
    assert again and f"{SESSION_COOKIE}={sid};" in again and "Max-Age=2592000" in again
    assert client.post("/api/spec", json={"spec": "2024-dangji-zuzhi"}, headers=H).status_code == 200
    assert client.cookies[SESSION_COOKIE] == sid
    assert session_cookie(client.get("/static/app.css")) is None


def test_a_visit_that_only_reads_marks_the_session_as_seen_at_most_every_ten_minutes(tmp_path):
    app = make_app(tmp_path)
    client = TestClient(app, base_url="http://127.0.0.1")
    assert client.post("/api/spec", json={"spec": "2024-dangji-zuzhi"}, headers=H).status_code == 200
    folder = tmp_path / "data" / "sessions" / client.cookies[SESSION_COOKIE]
    assert folder.is_dir()
    age(folder, 80)
    assert client.get("/form").status_code == 200
    assert time.time() - folder.stat().st_mtime < 60  # reading the form counted as a visit
    age(folder, 80)
    client.get("/")
    assert time.time() - folder.stat().st_mtime > 79 * DAY  # touched a moment ago: not written again yet


def test_cleanup_removes_only_expired_session_folders(tmp_path):
    app = make_app(tmp_path)
    state = app.state.web
    root = tmp_path / "data" / "sessions"
    old, fresh, linked, drafting = new_id(), new_id(), new_id(), new_id()
    for sid in (old, fresh, drafting):
        (root / sid).mkdir()
        (root / sid / "form.json").write_text("{}", encoding="utf-8")
    (root / old / "sub").mkdir()
    stray = root / "notes-by-hand"
    stray.mkdir()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "keep.txt").write_text("不能删", encoding="utf-8")
    (root / linked).symlink_to(outside, target_is_directory=True)
    for path in (root / old, root / drafting, stray, outside, root / linked):
        age(path, 120)
    age(root / fresh, 89)

    release = threading.Event()
    job = state.jobs.submit(drafting, [], lambda job: release.wait(10) and "完成")
    try:
        assert state.sweep() == [old]
    finally:
        release.set()
    assert not (root / old).exists()
    assert (root / fresh / "form.json").exists() and stray.is_dir() and (root / drafting).is_dir()
    assert (root / linked).is_symlink() and (outside / "keep.txt").read_text(encoding="utf-8") == "不能删"
    wait_until(lambda: job.finished, "job did not finish")
    assert state.sweep() == [drafting]  # once its draft is done, an expired session goes too


def test_the_cookie_lifetime_sets_what_counts_as_expired(tmp_path):
    root = tmp_path / "sessions"
    ten, forty = new_id(), new_id()
    for sid, days in ((ten, 10), (forty, 40)):
        (root / sid).mkdir(parents=True)
        age(root / sid, days)
    assert remove_stale_sessions(root, 30 * DAY) == [forty]
    assert remove_stale_sessions(root, 30 * DAY, now=time.time() + 25 * DAY) == [ten]


def test_a_folder_that_cannot_be_removed_does_not_stop_the_others(tmp_path, monkeypatch, caplog):
    import shutil

    root = tmp_path / "sessions"
    stuck, gone = new_id(), new_id()
    for sid in (stuck, gone):
        (root / sid).mkdir(parents=True)
        age(root / sid, 100)
    real = shutil.rmtree

    def rmtree(path, *args, **kwargs):
        if Path(path).name == stuck:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(shutil, "rmtree", rmtree)
    assert remove_stale_sessions(root, 90 * DAY) == [gone]
    assert (root / stuck).is_dir() and stuck in caplog.text


def test_expired_sessions_are_removed_when_the_server_starts(tmp_path):
    root = tmp_path / "data" / "sessions"
    old, recent = new_id(), new_id()
    for sid in (old, recent):
        (root / sid).mkdir(parents=True)
    age(root / old, 8)
    age(root / recent, 6)
    app = make_app(tmp_path, session_days=7)
    assert (root / old).is_dir()  # nothing is removed before the server runs
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert client.get("/").status_code == 200
        assert not (root / old).exists() and (root / recent).is_dir()


def test_keep_days_reaches_the_server_config(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import pipeline.web.server as server
    from pipeline.cli.main import app

    started = {}
    monkeypatch.setattr(server, "run", lambda web_app, host, port: started.update(app=web_app, port=port))
    result = CliRunner().invoke(app, ["serve", "--no-browser", "--port", "8123", "--data", str(tmp_path),
                                      "--keep-days", "14"])
    assert result.exit_code == 0, result.output
    assert started["port"] == 8123 and started["app"].state.web.config.session_days == 14
    assert "14 天未使用的会话自动删除" in result.output
    default = CliRunner().invoke(app, ["serve", "--no-browser", "--data", str(tmp_path)])
    assert default.exit_code == 0 and started["app"].state.web.config.session_days == 90
    zero = CliRunner().invoke(app, ["serve", "--no-browser", "--data", str(tmp_path), "--keep-days", "0"])
    assert zero.exit_code == 2 and "--keep-days" in zero.output


def test_finished_jobs_are_forgotten_an_hour_after_they_end_running_ones_stay():
    now = [1000.0]
    jobs = Jobs(workers=2, clock=lambda: now[0])
    release = threading.Event()
    try:
        done = jobs.submit(new_id(), [], lambda job: "完成")
        failed = jobs.submit(new_id(), [], lambda job: 1 / 0)
        running = jobs.submit(new_id(), [], lambda job: release.wait(10) and "完成")
        wait_until(lambda: done.finished and failed.finished, "jobs did not finish")
        wait_until(lambda: running.status == "running", "the third job did not start")  # it waits for a worker
        assert done.ended == 1000.0 and failed.status == "failed" and running.ended is None
        now[0] += 3599
        assert jobs.prune() == [] and jobs.get(done.id) is done  # a page reloaded within the hour finds it
        now[0] += 2
        assert sorted(jobs.prune()) == sorted([done.id, failed.id])
        assert jobs.get(done.id) is None and jobs.get(running.id) is running
        now[0] += 10 * 3600
        assert jobs.prune() == [] and running.status == "running"
    finally:
        release.set()
        jobs.shutdown()


def test_a_reloaded_page_finds_its_finished_job_until_it_is_forgotten(tmp_path):
    app = make_app(tmp_path)
    jobs = app.state.web.jobs
    now = [0.0]
    jobs.clock = lambda: now[0]
    client = TestClient(app, base_url="http://127.0.0.1")
    client.get("/")
    job = jobs.submit(client.cookies[SESSION_COOKIE], [], lambda job: "已起草")
    wait_until(lambda: job.finished, "job did not finish")
    now[0] += 1800
    assert client.get(f"/api/jobs/{job.id}").json()["status"] == "done"
    now[0] += 1801
    app.state.web.sweep()
    assert client.get(f"/api/jobs/{job.id}").status_code == 404
