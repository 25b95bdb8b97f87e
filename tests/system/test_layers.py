"""The package's layering (pyproject.toml [tool.importlinter]) holds: a later change that imports upward fails."""

from __future__ import annotations

import shutil
import pytest
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept():
    linter = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    result = subprocess.run([linter, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "4 kept, 0 broken" in result.stdout


def test_pipeline_holds_only_subpackages():
    loose = sorted(p.name for p in (ROOT / "pipeline").glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
    assert loose == []


def _lint_with_probe(tmp_path: Path, where: str, probe: str) -> subprocess.CompletedProcess:
    """The contracts run on a copy of the package with one extra module in `where` importing `probe`."""
    shutil.copytree(ROOT / "pipeline", tmp_path / "pipeline", ignore=shutil.ignore_patterns("__pycache__", "static",
                                                                                            "templates", "data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "pipeline" / where / "probe_import.py").write_text(f"import {probe}\n", encoding="utf-8")
    linter = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    return subprocess.run([linter, "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)


@pytest.mark.parametrize("where, probe", [("web", "pipeline.review.rules"), ("cli", "pipeline.draft.drafter"),
                                          ("web", "pipeline.material.parse"), ("cli", "pipeline.corpus.store")])
def test_a_probe_import_around_run_breaks_the_contract(tmp_path, where, probe):
    result = _lint_with_probe(tmp_path, where, probe)
    assert result.returncode != 0, result.stdout[-2000:]
    assert f"pipeline.{where}.probe_import -> {probe}" in result.stdout, result.stdout[-3000:]


def test_a_probe_import_through_run_keeps_the_contract(tmp_path):
    result = _lint_with_probe(tmp_path, "web", "pipeline.run.review")
    assert result.returncode == 0, result.stdout[-3000:]
