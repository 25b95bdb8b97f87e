"""The HTML review report: self-contained, findings in place, and it really renders (headless Chromium)."""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest

from pipeline.review.report_html import PALETTE
from pipeline.core.resources import data_dir
from pipeline.review.check import CheckOptions, check_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "content"
SEED_002 = data_dir("corpus") / "002_b94c01ca5fb1103c.txt"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(autouse=True)
def cache_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "duizhao-cache"))


def copying_draft(tmp_path: Path) -> Path:
    """The good draft with its first measure replaced by a measure paragraph of seed 002."""
    seed = next(line for line in SEED_002.read_text(encoding="utf-8").split("\n") if line.startswith("（四）注重狠抓正风肃纪"))
    lines = (FIXTURES / "good_draft.txt").read_text(encoding="utf-8").split("\n")
    lines = ["（一）" + seed[3:] if line.startswith("（一）严守政治纪律和政治规矩") else line for line in lines]
    path = tmp_path / "copy.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def read_png(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and unfiltered RGB(A) rows of an 8-bit PNG (enough for Chromium's screenshots)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat = 8, b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up, corner = previous[x], previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, [bytes(r) for r in rows], channels


def colour_count(rows: list[bytes], channels: int, rgb: tuple[int, int, int]) -> int:
    target = bytes(rgb)
    return sum(sum(row[x : x + 3] == target for x in range(0, len(row), channels)) for row in rows)


def test_report_is_self_contained_and_marks_findings_in_place(tmp_path):
    out = tmp_path / "report.html"
    report = check_file(copying_draft(tmp_path), CheckOptions(html=out, spec="2024-niandu-minzhu"))
    page = out.read_text(encoding="utf-8")
    assert not report.ok
    assert "<script" not in page and "http" not in page and "<link" not in page and "@import" not in page
    # Every finding is listed, and those with a place are linked to the paragraph they concern.
    assert page.count('<li><span class="sev sev-') == len(report.findings)
    assert 'class="heading flag-error">四、整改措施' in page and '<a href="#b' in page
    # Legend entry with its share, named by the 范文's title; findings by their Chinese names, codes kept as data.
    assert "2023年主题教育专题民主生活会班子对照检查材料（机关事务单位）（" in page and SEED_002.name not in page
    assert ">与范文雷同<" in page and 'data-code="copy-rate"' in page


@pytest.mark.slow
@pytest.mark.chromium
def test_report_renders_in_headless_chromium(tmp_path):
    out = tmp_path / "report.html"
    check_file(copying_draft(tmp_path), CheckOptions(html=out, spec="2024-niandu-minzhu"))
    shot = tmp_path / "shot.png"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}",
                        "--window-size=900,3600", "--force-device-scale-factor=0.5", f"--screenshot={shot}", out.as_uri()],
                       capture_output=True, timeout=120, check=True)
    width, height, rows, channels = read_png(shot)
    assert (width, height) == (450, 1800)
    # The copied run is painted in its source's colour (measured: ~12,000 px at half scale; the legend swatch is ~50).
    copied = colour_count(rows, channels, tuple(bytes.fromhex(PALETTE[0][1:])))
    assert copied > 4000, copied
    # Text was drawn: plenty of dark pixels (measured: ~22,000).
    dark = sum(sum(max(row[x : x + 3]) < 140 for x in range(0, len(row), channels)) for row in rows)
    assert dark > 10000, dark
