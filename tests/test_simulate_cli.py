"""`imuhar simulate` end to end on small BVH files, a folder and a zip archive."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from imuhar.cli import main
from test_simulate_readers import bvh_text, still_frames


def _walk_frames(n: int = 120) -> np.ndarray:
    f = still_frames(n)
    t = np.arange(n) / 100.0
    f[:, 0] = 100.0 * t  # 1 m/s along x
    f[:, 1] = 95.0 + 2.0 * np.sin(2 * np.pi * 2 * t)  # bobbing 2 cm at 2 Hz
    f[:, 6 + 3 * 6] = 30.0 * np.sin(2 * np.pi * t)  # forearm swing
    return f


def test_cli_simulate_files_folder_and_zip(tmp_path, capsys):
    folder = tmp_path / "takes"
    folder.mkdir()
    (folder / "a.bvh").write_text(bvh_text(_walk_frames(120)))
    (folder / "b.bvh").write_text(bvh_text(still_frames(80)))
    (folder / "notes.txt").write_text("not mocap")
    archive = tmp_path / "takes.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(folder / "a.bvh", "inner/a.bvh")
    out = tmp_path / "sim.npz"
    png = tmp_path / "sim.png"
    rc = main(
        ["simulate", str(folder), str(archive), "--placements", "left_wrist,waist", "--rate-hz", "50", "--noise", "ideal",
         "--out", str(out), "--plot", str(png), "--quiet"]
    )  # fmt: skip
    assert rc == 0 and png.stat().st_size > 1000
    d = np.load(out)
    assert list(d["placements"]) == ["left_wrist", "pelvis"] and float(d["rate_hz"]) == 50.0
    n_a, n_b = int(np.floor(119 / 100 * 50)) + 1, int(np.floor(79 / 100 * 50)) + 1
    np.testing.assert_array_equal(d["take_offsets"], [0, n_a, n_a + n_b, 2 * n_a + n_b])
    assert d["acc"].shape == (2 * n_a + n_b, 2, 3) and d["gyro"].shape == d["acc"].shape
    assert d["take_sources"][2].endswith("takes.zip!inner/a.bvh")
    # the still take reads gravity only; the archive copy equals the folder copy
    still = d["acc"][n_a : n_a + n_b, 1]
    np.testing.assert_allclose(np.linalg.norm(still, axis=1), 9.81, atol=1e-4)
    np.testing.assert_allclose(d["acc"][:n_a], d["acc"][n_a + n_b :], atol=1e-6)
    assert json.loads(str(d["params_json"]))["n_takes"] == 3
    assert "3 take(s)" in capsys.readouterr().out


def test_cli_simulate_errors_are_reported_with_exit_code_2(tmp_path, capsys):
    f = tmp_path / "a.bvh"
    f.write_text(bvh_text(still_frames(20)))
    assert main(["simulate", str(f), "--placements", "left_pinky", "--out", str(tmp_path / "x.npz")]) == 2
    assert "left_pinky" in capsys.readouterr().err
    assert main(["simulate", str(f), "--rate-hz", "5000", "--out", str(tmp_path / "x.npz"), "--quiet"]) == 2
    assert "rate_hz" in capsys.readouterr().err
    broken = tmp_path / "broken.bvh"
    broken.write_text(bvh_text(still_frames(20)).replace("Frames: 20", "Frames: 25"))
    assert main(["simulate", str(broken), "--out", str(tmp_path / "x.npz"), "--quiet"]) == 2
    assert "broken.bvh" in capsys.readouterr().err
    rc = main(["simulate", str(broken), str(f), "--placements", "waist", "--skip-errors", "--out", str(tmp_path / "y.npz"), "--quiet"])
    assert rc == 0 and len(np.load(tmp_path / "y.npz")["take_sources"]) == 1
    with pytest.raises(SystemExit):
        main(["simulate", str(f)])  # --out is required
