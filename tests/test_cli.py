"""The ``imuhar`` command: version, help, and the demo on the embedded BasicMotions data."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from imuhar import __version__
from imuhar.cli import main


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and __version__ in capsys.readouterr().out
    assert main([]) == 0
    assert "demo" in capsys.readouterr().out


def test_console_script_help():
    out = subprocess.run([sys.executable, "-m", "imuhar", "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "usage: imuhar" in out.stdout


def test_demo_runs_the_pipeline_on_basicmotions(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "loaded 80 recordings" in printed and "standardizer fit on the 160 training windows only" in printed
    summary = json.loads((tmp_path / "demo_summary.json").read_text())
    assert summary["n_recordings"] == 80 and sum(summary["windows_per_class"].values()) == summary["n_windows"]
    steps = [s["step"] for s in summary["provenance_of_first_window_batch"]]
    assert "sliding_windows" in steps or any("window" in s for s in steps)
    png = (tmp_path / "basicmotions_signals.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    # recognition with the shipped weights: a table of zero-, 1- and 5-shot figures and a confusion matrix
    table = summary["recognition"]
    assert set(table) == {"zero-shot", "1-shot", "5-shot"}
    assert all(0.0 <= v["accuracy"] <= 100.0 for v in table.values())
    assert table["zero-shot"]["accuracy"] > 25.0  # above chance (4 classes) with no labelled example
    assert "zero-shot (no labels)" in printed
    assert (tmp_path / "basicmotions_zero_shot_confusion.png").stat().st_size > 5000
