"""Broken files give typed errors that name the file and the fix; the windowed UCI-HAR form is rebuilt exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from imuhar.core import DataFormatError, DataNotFoundError, UnknownPlacementError
from imuhar.datasets import get_dataset


def _parse(name, root, **kw):
    return list(get_dataset(name).module.parse(root, verbose=False, **kw))


@pytest.fixture
def uci(tmp_path, rng):
    get_dataset("uci-har").write_sample_files(tmp_path, rng)
    return tmp_path


@pytest.fixture
def spsw(tmp_path, rng):
    get_dataset("sp-sw-har").write_sample_files(tmp_path, rng)
    return tmp_path


# ---------------------------------------------------------------------------------------------- UCI-HAR raw
def test_truncated_signal_file(uci):
    path = uci / "RawData" / "acc_exp02_user01.txt"
    text = path.read_text()
    path.write_text(text[: text.rindex(" ")])  # last row cut mid-way: 2 of 3 cells
    with pytest.raises(DataFormatError) as info:
        _parse("uci-har", uci)
    assert "acc_exp02_user01.txt" in str(info.value) and "truncated" in str(info.value)


def test_acc_and_gyro_of_different_length(uci):
    path = uci / "RawData" / "gyro_exp01_user01.txt"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:-5]))
    with pytest.raises(DataFormatError, match="gyro_exp01_user01.txt.*equal length|equal length"):
        _parse("uci-har", uci)


def test_wrong_delimiter(uci):
    path = uci / "RawData" / "acc_exp01_user01.txt"
    path.write_text(path.read_text().replace(" ", ","))
    with pytest.raises(DataFormatError) as info:
        _parse("uci-har", uci)
    assert "acc_exp01_user01.txt" in str(info.value) and "separated by whitespace" in str(info.value)


def test_unknown_activity_id_in_labels(uci):
    path = uci / "RawData" / "labels.txt"
    path.write_text(path.read_text() + "1 1 13 590 599\n")
    with pytest.raises(DataFormatError) as info:
        _parse("uci-har", uci)
    assert "labels.txt" in str(info.value) and "13" in str(info.value)


def test_label_segment_past_the_signal(uci):
    path = uci / "RawData" / "labels.txt"
    path.write_text(path.read_text() + "2 1 1 400 9999\n")
    with pytest.raises(DataFormatError, match="outside"):
        _parse("uci-har", uci)


def test_missing_labels_file(uci):
    (uci / "RawData" / "labels.txt").unlink()
    with pytest.raises(DataNotFoundError, match="labels.txt"):
        _parse("uci-har", uci)


def test_missing_gyro_twin(uci):
    (uci / "RawData" / "gyro_exp03_user02.txt").unlink()
    with pytest.raises(DataNotFoundError, match="gyro_exp03_user02.txt"):
        _parse("uci-har", uci)


def test_unknown_activity_name(uci):
    path = uci / "activity_labels.txt"
    path.write_text(path.read_text().replace("LAYING", "SLEEPING"))
    with pytest.raises(DataFormatError, match="SLEEPING"):
        _parse("uci-har", uci)


def test_empty_folder_names_the_download(tmp_path):
    (tmp_path / "nothing").mkdir()
    with pytest.raises(DataNotFoundError) as info:
        get_dataset("uci-har").load(tmp_path / "nothing", verbose=False)
    assert "empty folder" in str(info.value) and "imuhar datasets download uci-har" in str(info.value)


def test_a_file_that_is_not_an_archive(tmp_path):
    bogus = tmp_path / "uci.zip"
    bogus.write_text("not a zip")
    with pytest.raises(DataNotFoundError, match="not a zip"):
        get_dataset("uci-har").load(bogus, verbose=False)


# ---------------------------------------------------------------------------------------------- UCI-HAR windowed
def _write_windowed(root: Path, sessions: dict[str, list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]]) -> None:
    """Cut continuous sessions into 128-sample windows with 64-sample steps, in the UCI HAR Dataset layout."""
    for split, items in sessions.items():
        base = root / "UCI HAR Dataset" / split
        (base / "Inertial Signals").mkdir(parents=True)
        acc_w, gyro_w, ys, subs = [], [], [], []
        for subject, acc, gyro, labels in items:
            for start in range(0, len(acc) - 128 + 1, 64):
                acc_w.append(acc[start : start + 128])
                gyro_w.append(gyro[start : start + 128])
                ys.append(labels[start])
                subs.append(subject)
        acc_w, gyro_w = np.array(acc_w), np.array(gyro_w)
        for a, axis in enumerate("xyz"):
            np.savetxt(base / "Inertial Signals" / f"total_acc_{axis}_{split}.txt", acc_w[:, :, a], fmt="%.8e")
            np.savetxt(base / "Inertial Signals" / f"body_gyro_{axis}_{split}.txt", gyro_w[:, :, a], fmt="%.8e")
            np.savetxt(base / "Inertial Signals" / f"body_acc_{axis}_{split}.txt", acc_w[:, :, a] * 0, fmt="%.8e")
        np.savetxt(base / f"y_{split}.txt", np.array(ys) + 1, fmt="%d")
        np.savetxt(base / f"subject_{split}.txt", subs, fmt="%d")


def test_windowed_release_is_chained_back_into_continuous_recordings(tmp_path, rng):
    def session(n, label_seq):
        acc = np.c_[1 + 0.1 * rng.standard_normal(n), 0.1 * rng.standard_normal((n, 2))]
        gyro = 0.2 * rng.standard_normal((n, 3))
        labels = np.repeat(label_seq, n // len(label_seq) + 1)[:n]
        return acc, gyro, labels

    a1, g1, l1 = session(64 * 9, [0, 0, 1])  # 8 windows
    a2, g2, l2 = session(64 * 6, [3])  # same subject, a new session: the chain must break
    a3, g3, l3 = session(64 * 5, [5])
    _write_windowed(tmp_path, {"train": [(1, a1, g1, l1), (1, a2, g2, l2)], "test": [(2, a3, g3, l3)]})
    recs = _parse("uci-har", tmp_path)
    assert [r.subject for r in recs] == ["1", "1", "2"]
    assert [r.n_samples for r in recs] == [64 * 9, 64 * 6, 64 * 5]
    np.testing.assert_allclose(recs[0].acc["pelvis"], a1 * 9.80665, rtol=1e-7)
    np.testing.assert_allclose(recs[0].gyro["pelvis"], g1, rtol=1e-7, atol=1e-12)
    # each window's label covers its first 64 samples
    np.testing.assert_array_equal(recs[0].labels[::64][:-1], l1[::64][:8])
    assert all(r.metadata["form"] == "windowed" for r in recs)
    assert {r.metadata["split"] for r in recs} == {"train", "test"}


def test_windowed_label_out_of_range(tmp_path, rng):
    acc = np.c_[np.ones(256), np.zeros((256, 2))]
    _write_windowed(tmp_path, {"train": [(1, acc, acc * 0, np.zeros(256, int))], "test": [(2, acc, acc * 0, np.zeros(256, int))]})
    (tmp_path / "UCI HAR Dataset" / "train" / "y_train.txt").write_text("1\n9\n1\n")
    with pytest.raises(DataFormatError, match="y_train.txt"):
        _parse("uci-har", tmp_path, form="windowed")


# ---------------------------------------------------------------------------------------------- SP-SW-HAR
def test_missing_column(spsw):
    path = spsw / "DATA" / "s01" / "s01_01_sp.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(",".join(line.split(",")[:5] + line.split(",")[6:]) for line in lines) + "\n")
    with pytest.raises(DataFormatError) as info:
        _parse("sp-sw-har", spsw)
    assert "s01_01_sp.csv" in str(info.value) and "z_gyro" in str(info.value)


def test_semicolon_separated_csv(spsw):
    path = spsw / "DATA" / "s01" / "s01_01_sw.csv"
    path.write_text(path.read_text().replace(",", ";"))
    with pytest.raises(DataFormatError, match="another separator"):
        _parse("sp-sw-har", spsw)


def test_unknown_label(spsw):
    path = spsw / "DATA" / "s07" / "s07_01_sp.csv"
    path.write_text(path.read_text().replace("TURNING", "JUMPING"))
    with pytest.raises(DataFormatError) as info:
        _parse("sp-sw-har", spsw)
    assert "JUMPING" in str(info.value) and "s07_01_sp.csv" in str(info.value)


def test_truncated_csv(spsw):
    path = spsw / "DATA" / "s01" / "s01_02_sp.csv"
    text = path.read_text().rstrip("\n")
    path.write_text(text[: text.rindex(",", 0, len(text) - 20)] + "\n")
    with pytest.raises(DataFormatError, match="s01_02_sp.csv"):
        _parse("sp-sw-har", spsw)


def test_missing_watch_file_suggests_one_device(spsw):
    (spsw / "DATA" / "s01" / "s01_02_sw.csv").unlink()
    with pytest.raises(DataNotFoundError, match="devices=\\('phone',\\)"):
        _parse("sp-sw-har", spsw)
    recs = _parse("sp-sw-har", spsw, devices=("phone",))
    assert len(recs) == 3 and all(r.placements == ("left_hip",) for r in recs)


def test_devices_that_do_not_overlap(spsw):
    path = spsw / "DATA" / "s07" / "s07_01_sw.csv"
    lines = path.read_text().splitlines()
    shifted = [lines[0]] + [",".join(p[:6] + [str(int(p[6]) + 10_000_000)] + p[7:]) for p in (ln.split(",") for ln in lines[1:])]
    path.write_text("\n".join(shifted) + "\n")
    with pytest.raises(DataFormatError, match="do not overlap"):
        _parse("sp-sw-har", spsw)


def test_resampling_is_uniform_and_interpolates(spsw):
    recs = _parse("sp-sw-har", spsw, rate_hz=50.0)
    assert all(r.sample_rate_hz == 50.0 for r in recs)
    # the synthetic watch x-axis is -9.6 + sin(2 pi t): the grid values must follow it closely
    r = recs[0]
    x = r.acc["left_wrist"][:, 0]
    assert np.abs(np.median(x) + 9.6) < 0.3 and 1.6 < np.ptp(x) < 2.4


# ---------------------------------------------------------------------------------------------- UTD-MHAD
def test_utd_unknown_action(tmp_path, rng):
    get_dataset("utd-mhad").write_sample_files(tmp_path, rng)
    src = tmp_path / "Inertial" / "a3_s1_t1_inertial.mat"
    src.rename(src.with_name("a28_s1_t1_inertial.mat"))
    with pytest.raises(DataFormatError, match="a28"):
        _parse("utd-mhad", tmp_path)


def test_utd_wrong_variable_and_shape(tmp_path, rng):
    from scipy.io import savemat

    get_dataset("utd-mhad").write_sample_files(tmp_path, rng)
    savemat(tmp_path / "Inertial" / "a3_s1_t1_inertial.mat", {"data": np.zeros((10, 6))})
    with pytest.raises(DataFormatError, match="d_iner"):
        _parse("utd-mhad", tmp_path)
    savemat(tmp_path / "Inertial" / "a3_s1_t1_inertial.mat", {"d_iner": np.zeros((10, 5))})
    with pytest.raises(DataFormatError, match="N x 6"):
        _parse("utd-mhad", tmp_path)
    (tmp_path / "Inertial" / "a3_s1_t1_inertial.mat").write_bytes(b"garbage")
    with pytest.raises(DataFormatError, match="a3_s1_t1_inertial.mat"):
        _parse("utd-mhad", tmp_path)


def test_utd_placement_modes(tmp_path, rng):
    get_dataset("utd-mhad").write_sample_files(tmp_path, rng)
    fixed = _parse("utd-mhad", tmp_path, placement="wrist")
    assert all(r.placements == ("right_wrist",) for r in fixed)
    thigh = _parse("utd-mhad", tmp_path, placement="left_thigh")
    assert all(r.placements == ("left_hip",) for r in thigh)
    with pytest.raises(UnknownPlacementError):
        _parse("utd-mhad", tmp_path, placement="elbowz")


def test_utd_skeleton_pairs_from_zip(tmp_path, rng):
    import zipfile

    from imuhar.datasets._utd_mhad import skeleton_files

    root = tmp_path / "utd"
    get_dataset("utd-mhad").write_sample_files(root, rng)
    archive = tmp_path / "utd.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in root.rglob("*.mat"):
            zf.write(p, p.relative_to(root).as_posix())
    pairs = skeleton_files(archive)
    assert [(p.action, p.subject, p.trial) for p in pairs] == [(3, "1", 1), (15, "2", 1)]
    assert all(p.skeleton_path is None and p.inertial is not None for p in pairs)
    from scipy.io import loadmat

    assert loadmat(pairs[0].source.open(pairs[0].skeleton))["d_skel"].shape[:2] == (20, 3)
    with pytest.raises(DataNotFoundError, match="Skeleton"):
        skeleton_files(root / "Inertial")


# ---------------------------------------------------------------------------------------------- BasicMotions
def test_basicmotions_bad_ts(tmp_path, rng):
    get_dataset("basicmotions").write_sample_files(tmp_path, rng)
    path = tmp_path / "BasicMotions_TRAIN.ts"
    text = path.read_text()
    path.write_text(text.replace(":Running", ":Swimming"))
    with pytest.raises(DataFormatError, match="Swimming"):
        _parse("basicmotions", tmp_path)
    path.write_text(text.replace(":Running", ",0.5:Running"))  # one series one sample too long
    with pytest.raises(DataFormatError, match="length"):
        _parse("basicmotions", tmp_path)
    (tmp_path / "BasicMotions_TEST.ts").unlink()
    path.write_text(text)
    with pytest.raises(DataNotFoundError, match="BasicMotions_TEST.ts"):
        _parse("basicmotions", tmp_path)
