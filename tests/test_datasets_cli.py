"""`imuhar datasets` subcommands, end to end through the console entry point (offline)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from imuhar.cli import main
from imuhar.datasets import REGISTRY, get_dataset, list_datasets


def _run(capsys, *argv):
    code = main(["datasets", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_list_json_has_every_registered_name(capsys):
    code, out, _ = _run(capsys, "list", "--json")
    rows = json.loads(out)
    assert code == 0 and [r["name"] for r in rows] == list(REGISTRY)
    installed = {r["name"]: r for r in rows if r["installed"]}
    assert set(installed) == set(list_datasets())
    assert installed["uci-har"]["classes"] == 6 and installed["uci-har"]["rate_hz"] == 50.0
    assert installed["uci-har"]["placements"] == ["pelvis"] and installed["uci-har"]["files_present"] is False
    assert installed["basicmotions"]["files_present"] is get_dataset("basicmotions").is_available()


def test_list_table(capsys):
    code, out, _ = _run(capsys, "list")
    assert code == 0 and "uci-har" in out and "sp-sw-har" in out


def test_info_counts_classes_and_hours(capsys, tmp_path, rng):
    get_dataset("sp-sw-har").write_sample_files(tmp_path, rng)
    code, out, _ = _run(capsys, "info", "sp-sw-har", "--data-dir", str(tmp_path), "--json", "--quiet")
    info = json.loads(out)
    assert code == 0
    assert info["n_recordings"] == 3 and info["n_subjects"] == 2 and info["rate_hz"] == 100.0
    assert info["placements"] == ["left_hip", "left_wrist"]
    assert set(info["classes"]) == {"seated", "standing up", "walking", "turning", "sitting down"}
    assert sum(info["classes"].values()) + info["unlabelled_samples"] == info["n_samples"]
    assert info["total_hours"] == pytest.approx(info["n_samples"] / 100.0 / 3600.0, abs=1e-4)


def test_info_benchmark_drops_transitions(capsys, tmp_path, rng):
    get_dataset("uci-har").write_sample_files(tmp_path, rng)
    _, out, _ = _run(capsys, "info", "uci-har", "--data-dir", str(tmp_path), "--json", "--quiet", "--benchmark")
    assert set(json.loads(out)["classes"]) == {"walking", "walking upstairs", "sitting", "standing", "lying"}
    code, out, _ = _run(capsys, "info", "uci-har", "--data-dir", str(tmp_path), "--quiet")
    assert code == 0 and "stand to sit" in out and "recordings   3" in out


def test_info_without_files_exits_2_with_the_fix(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("IMUHAR_DATA", str(tmp_path))
    code, _, err = _run(capsys, "info", "utd-mhad", "--quiet")
    assert code == 2 and "imuhar datasets download utd-mhad" in err


def test_unknown_dataset_exits_2(capsys):
    code, _, err = _run(capsys, "info", "uci-harr")
    assert code == 2 and "uci-har" in err


def test_download_through_the_cli(capsys, tmp_path, rng, monkeypatch):
    src = tmp_path / "src"
    get_dataset("utd-mhad").write_sample_files(src, rng)
    served = {}
    for part in ("Inertial", "Skeleton"):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for p in (src / part).rglob("*"):
                zf.write(p, p.relative_to(src).as_posix())
        served[f"{part}.zip"] = buf.getvalue()
    from imuhar.datasets import _fetch

    monkeypatch.setattr(_fetch, "_default_opener", lambda url, timeout: io.BytesIO(served[url.rsplit("/", 1)[-1]]))
    monkeypatch.setenv("IMUHAR_DATA", str(tmp_path / "cache"))
    code, out, _ = _run(capsys, "download", "utd-mhad", "--quiet")
    assert code == 0 and str(tmp_path / "cache" / "utd-mhad") in out
    code, out, _ = _run(capsys, "info", "utd-mhad", "--json", "--quiet")
    assert code == 0 and json.loads(out)["n_recordings"] == 4
    code, out, _ = _run(capsys, "verify", "utd-mhad", "--json")
    rows = json.loads(out)
    assert code == 0 and [c["check"] for c in rows[0]["checks"]] == ["loader self-test", "cache checksums"]
    (tmp_path / "cache" / "utd-mhad" / "Inertial.zip").write_bytes(b"x")
    code, out, _ = _run(capsys, "verify", "utd-mhad")
    assert code == 1 and "FAIL cache checksums" in out


def test_verify_with_data_dir(capsys, tmp_path, rng):
    get_dataset("uci-har").write_sample_files(tmp_path, rng)
    code, out, _ = _run(capsys, "verify", "uci-har", "--data-dir", str(tmp_path))
    assert code == 0 and "3 recordings parsed" in out


def test_card_prints_markdown(capsys):
    code, out, _ = _run(capsys, "card", "utd-mhad")
    assert code == 0 and out.startswith("<!--") and "right arm swipe to the left" in out


def test_info_passes_loader_options(capsys, tmp_path, rng):
    get_dataset("utd-mhad").write_sample_files(tmp_path, rng)
    _, out, _ = _run(capsys, "info", "utd-mhad", "--data-dir", str(tmp_path), "--json", "--quiet")
    assert json.loads(out)["placements"] == ["right_hip", "right_wrist"]
    _, out, _ = _run(capsys, "info", "utd-mhad", "--data-dir", str(tmp_path), "--json", "--quiet", "-o", "placement=right_wrist")
    assert json.loads(out)["placements"] == ["right_wrist"]
    code, _, err = _run(capsys, "info", "utd-mhad", "--data-dir", str(tmp_path), "-o", "placement")
    assert code == 2 and "KEY=VALUE" in err
