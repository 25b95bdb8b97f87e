"""Waiting for a workbench job (a draft) through its status API, with a deadline generous enough for a loaded
two-core machine: one routine for every test that drafts through the web."""

from __future__ import annotations

import time

DEADLINE = 300.0  # seconds; an offline draft takes 1–3 s alone, far more while the whole suite runs


def wait(client, job: str, deadline: float = DEADLINE) -> dict:
    """The job's last status, once it is done or failed."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        status = client.get(f"/api/jobs/{job}").json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.05)
    raise AssertionError(f"the job did not finish in {deadline:.0f} s")


def finished(client, job: str) -> dict:
    """The job's last status; it must have succeeded."""
    status = wait(client, job)
    assert status["status"] == "done", status
    return status
