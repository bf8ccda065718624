"""Dataset-specific edge cases of the benchmark loaders, on small synthetic files in each authors' layout.

The generic conformance checks (every registry entry: write sample files, parse, check units/rates/labels) live
in the other test_datasets_* files; these tests pin the quirks of individual formats.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from imuhar.core import DataFormatError, DataNotFoundError


def _zip(folder: Path) -> Path:
    out = folder.parent / (folder.name + ".zip")
    with zipfile.ZipFile(out, "w") as z:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                z.write(f, "wrapper/" + f.relative_to(folder).as_posix())  # a wrapper folder, as many archives have
    return out


def _rewrite(path: Path, fn) -> None:
    path.write_text(fn(path.read_text()))


# ----------------------------------------------------------------------------------------------- PAMAP2
class TestPamap2:
    from imuhar.datasets import _pamap2 as mod

    def _rows(self, n, code=4, start=5.0):
        rng = np.random.default_rng(1)
        data = np.zeros((n, 54))
        data[:, 0] = start + np.arange(n) / 100
        data[:, 1] = code
        data[:, 2] = np.nan
        for s in (3, 20, 37):
            data[:, s + 1 : s + 4] = [0.0, 0.0, 9.80665] + rng.normal(0, 0.1, (n, 3))
            data[:, s + 7 : s + 10] = rng.normal(0, 0.1, (n, 3))
        return data

    def _write(self, root, data, subject="101"):
        path = root / "Protocol" / f"subject{subject}.dat"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(" ".join("NaN" if np.isnan(v) else repr(float(v)) for v in r) for r in data) + "\n")
        return path

    def test_short_gap_is_interpolated_linearly(self, tmp_path):
        data = self._rows(300)
        data[100:110, 38] = np.nan  # 10 dropped samples of the ankle acc x
        data[99, 38], data[110, 38] = 1.0, 2.1
        self._write(tmp_path, data)
        (rec,) = list(self.mod.parse(tmp_path, verbose=False))
        x = np.asarray(rec.acc["right_ankle"])[:, 0]
        assert np.all(np.isfinite(x)) and rec.n_samples == 300
        np.testing.assert_allclose(x[99:111], np.linspace(1.0, 2.1, 12))

    def test_long_gap_splits_and_short_pieces_are_dropped(self, tmp_path):
        data = self._rows(1000)
        data[300:400, 4:7] = np.nan  # 1 s of dropped hand packets: split
        data[450:470, 21] = np.nan  # 0.2 s: interpolated
        data[950:980, 38] = np.nan  # leaves a 20-sample tail piece: dropped
        self._write(tmp_path, data)
        recs = list(self.mod.parse(tmp_path, verbose=False))
        assert [r.n_samples for r in recs] == [300, 550]
        assert [r.recording_id for r in recs] == ["subject101_part1", "subject101_part2"]
        assert all(np.isfinite(np.asarray(v)).all() for r in recs for v in (*r.acc.values(), *r.gyro.values()))

    def test_labels_transient_is_unlabelled_and_unknown_id_fails(self, tmp_path):
        data = self._rows(200, code=0)
        data[100:, 1] = 24
        self._write(tmp_path, data)
        (rec,) = list(self.mod.parse(tmp_path, verbose=False))
        assert set(rec.labels[:100].tolist()) == {-1}
        assert rec.vocabulary.decode([rec.labels[150]]) == ["rope jumping"]
        data[5, 1] = 8  # not a PAMAP2 activity id
        self._write(tmp_path, data)
        with pytest.raises(DataFormatError, match=r"subject101\.dat.*unknown activity id.*\[8\]"):
            list(self.mod.parse(tmp_path, verbose=False))

    def test_left_handed_subject_108_on_the_left(self, tmp_path):
        self._write(tmp_path, self._rows(200), subject="108")
        (rec,) = list(self.mod.parse(tmp_path, verbose=False))
        assert set(rec.placements) == {"left_wrist", "left_ankle", "spine3"}

    def test_wrong_column_count_and_empty_folder(self, tmp_path):
        path = self._write(tmp_path, self._rows(50)[:, :40])
        with pytest.raises(DataFormatError, match="40 column.*54"):
            list(self.mod.parse(tmp_path, verbose=False))
        path.unlink()
        with pytest.raises(DataNotFoundError, match="Protocol"):
            list(self.mod.parse(tmp_path, verbose=False))

    def test_reads_zip_with_wrapper_folder(self, tmp_path):
        expected = self.mod.write_sample_files(tmp_path / "d", np.random.default_rng(0))
        recs = list(self.mod.parse(_zip(tmp_path / "d"), verbose=False))
        assert len(recs) == expected["n_recordings"]


# ----------------------------------------------------------------------------------------------- MHEALTH
class TestMhealth:
    from imuhar.datasets import _mhealth as mod

    def test_label_zero_is_none_and_gyro_is_converted_from_deg_s(self, tmp_path, rng):
        self.mod.write_sample_files(tmp_path, rng)
        path = tmp_path / "MHEALTHDATASET" / "mHealth_subject1.log"
        raw = np.loadtxt(path)
        (rec, _) = list(self.mod.parse(tmp_path, verbose=False))
        assert np.all(rec.labels[raw[:, 23] == 0] == -1)
        assert rec.vocabulary.decode([rec.labels[-1]]) == ["jogging"]
        np.testing.assert_allclose(rec.gyro["right_wrist"], np.deg2rad(raw[:, 17:20]))
        np.testing.assert_allclose(rec.acc["spine3"], raw[:, 0:3])  # already m/s²
        assert "spine3" not in rec.gyro  # the chest unit has no gyroscope

    def test_wrong_delimiter_and_unknown_label(self, tmp_path, rng):
        self.mod.write_sample_files(tmp_path, rng)
        path = tmp_path / "MHEALTHDATASET" / "mHealth_subject2.log"
        _rewrite(path, lambda t: t.replace("\t", ","))
        with pytest.raises(DataFormatError, match=r"mHealth_subject2\.log has 1 column"):
            list(self.mod.parse(tmp_path, verbose=False))
        _rewrite(path, lambda t: t.replace(",", "\t").replace("\t10\n", "\t13\n"))
        with pytest.raises(DataFormatError, match=r"mHealth_subject2\.log holds unknown label value\(s\) \[13\]"):
            list(self.mod.parse(tmp_path, verbose=False))


# ----------------------------------------------------------------------------------------------- WISDM
class TestWisdm:
    from imuhar.datasets import _wisdm as mod

    def _write(self, root, sensor, rows, device="watch", subject=1600):
        path = root / "wisdm-dataset" / "raw" / device / sensor / f"data_{subject}_{sensor}_{device}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(f"{subject},{c},{int(round(t))},{float(x)!r},{float(y)!r},{float(z)!r};" for c, t, x, y, z in rows) + "\n")
        return path

    def test_irregular_ns_timestamps_resampled_linearly_onto_20_hz(self, tmp_path):
        rng = np.random.default_rng(3)
        t_s = np.cumsum(0.05 * (1 + rng.uniform(-0.3, 0.3, 200)))
        ramp = lambda t: np.stack([t, 9.8 + 0 * t, -2 * t], 1)  # linear in time: interpolation is exact
        self._write(tmp_path, "accel", [("E", 1e12 + t * 1e9, *v) for t, v in zip(t_s, ramp(t_s))])
        (rec,) = list(self.mod.parse(tmp_path, verbose=False))
        assert rec.sample_rate_hz == 20.0 and not rec.gyro  # no gyro file: acc-only
        grid = t_s[0] + np.arange(rec.n_samples) / 20.0
        np.testing.assert_allclose(rec.acc["right_wrist"], ramp(grid), atol=1e-6)
        assert rec.vocabulary.decode([rec.labels[0]]) == ["standing"]

    def test_pause_splits_and_gyro_span_is_intersected(self, tmp_path):
        t_s = np.concatenate([np.arange(100) * 0.05, 20 + np.arange(100) * 0.05])  # 15 s pause
        self._write(tmp_path, "accel", [("A", t * 1e9, 0.0, 9.8, 0.0) for t in t_s])
        self._write(tmp_path, "gyro", [("A", t * 1e9 + 1e9, 0.1, 0.0, 0.0) for t in t_s])  # starts 1 s later
        recs = list(self.mod.parse(tmp_path, verbose=False))
        assert [r.recording_id for r in recs] == ["1600_watch_A_part1", "1600_watch_A_part2"]
        # the 4 s both streams cover in each piece (the grid point exactly at the last sample before the pause
        # may be dropped by the resampler's gap test)
        assert all(79 <= r.n_samples <= 80 for r in recs)
        assert recs[1].metadata["start_s"] == pytest.approx(21.0)  # the gyroscope starts 1 s after the pause
        assert all("right_wrist" in r.gyro for r in recs)

    def test_trailing_semicolons_and_bad_rows(self, tmp_path, rng):
        self.mod.write_sample_files(tmp_path, rng)
        path = tmp_path / "wisdm-dataset" / "raw" / "phone" / "accel" / "data_1601_accel_phone.txt"
        assert path.read_text().splitlines()[0].endswith(";")
        _rewrite(path, lambda t: t.replace("1601,D,", "1601,N,", 1))
        with pytest.raises(DataFormatError, match=r"data_1601_accel_phone\.txt holds unknown activity letter.*'N'"):
            list(self.mod.parse(tmp_path, verbose=False))
        _rewrite(path, lambda t: t.replace(",", " "))
        with pytest.raises(DataFormatError, match=r"data_1601_accel_phone\.txt has 1 column"):
            list(self.mod.parse(tmp_path, verbose=False))


# ----------------------------------------------------------------------------------------------- DSADS
class TestDsads:
    from imuhar.datasets import _dsads as mod

    def test_segments_concatenate_in_order_and_a_missing_one_splits(self, tmp_path, rng):
        self.mod.write_sample_files(tmp_path, rng)
        seg = lambda a, p, s: tmp_path / "data" / f"a{a:02d}" / f"p{p}" / f"s{s:02d}.txt"
        raw = [np.loadtxt(seg(18, 1, s), delimiter=",") for s in (1, 2, 3)]
        recs = {r.recording_id: r for r in self.mod.parse(tmp_path, verbose=False)}
        rec = recs["a18_p1"]
        assert rec.n_samples == 375 and rec.metadata["segments"] == [1, 2, 3]
        np.testing.assert_allclose(rec.acc["right_wrist"], np.vstack(raw)[:, 9:12])  # RA = 2nd unit
        np.testing.assert_allclose(rec.gyro["left_knee"], np.vstack(raw)[:, 39:42])  # LL = 5th unit
        seg(18, 1, 2).unlink()
        ids = [r.recording_id for r in self.mod.parse(tmp_path, verbose=False)]
        assert "a18_p1_part1" in ids and "a18_p1_part2" in ids

    def test_125_by_45_layout_is_enforced(self, tmp_path, rng):
        self.mod.write_sample_files(tmp_path, rng)
        path = tmp_path / "data" / "a01" / "p2" / "s03.txt"
        lines = path.read_text().splitlines()
        path.write_text("\n".join(lines[:124]) + "\n")
        with pytest.raises(DataFormatError, match=r"p2/s03\.txt has 124 rows; every DSADS segment holds 125"):
            list(self.mod.parse(tmp_path, verbose=False))
        path.write_text("\n".join(l.rsplit(",", 1)[0] for l in lines) + "\n")
        with pytest.raises(DataFormatError, match=r"s03\.txt: row 1 has 44 column"):
            list(self.mod.parse(tmp_path, verbose=False))


# ----------------------------------------------------------------------------------------------- HARTH / HAR70+
class TestHarthFamily:
    from imuhar.datasets import _har70plus as har70, _harth as harth

    def test_extra_index_column_and_g_to_si(self, tmp_path, rng):
        self.harth.write_sample_files(tmp_path, rng)
        import pandas as pd

        raw = pd.read_csv(tmp_path / "harth" / "S008.csv")
        assert list(raw.columns[:2]) == ["index", "timestamp"]
        rec = [r for r in self.harth.parse(tmp_path, verbose=False) if r.subject == "S008"][0]
        np.testing.assert_allclose(rec.acc["right_hip"], raw[["thigh_x", "thigh_y", "thigh_z"]].to_numpy() * 9.80665)
        np.testing.assert_allclose(rec.acc["spine1"], raw[["back_x", "back_y", "back_z"]].to_numpy() * 9.80665)

    def test_timestamp_jump_splits_and_missing_column_fails(self, tmp_path, rng):
        self.har70.write_sample_files(tmp_path, rng)
        path = tmp_path / "har70plus" / "501.csv"
        lines = path.read_text().splitlines()
        lines[301:] = [l.replace("2019-01-12 10:00:", "2019-01-12 10:05:") for l in lines[301:]]  # 5-min pause
        path.write_text("\n".join(lines) + "\n")
        recs = [r for r in self.har70.parse(tmp_path, verbose=False) if r.subject == "501"]
        assert [(r.recording_id, r.n_samples) for r in recs] == [("501_part1", 300), ("501_part2", 300)]
        path.write_text("\n".join([lines[0].replace("thigh_z", "thigh_q")] + lines[1:]) + "\n")
        with pytest.raises(DataFormatError, match=r"501\.csv lacks column\(s\) \['thigh_z'\]"):
            list(self.har70.parse(tmp_path, verbose=False))

    def test_har70plus_has_no_running_code(self, tmp_path, rng):
        self.har70.write_sample_files(tmp_path, rng)
        path = tmp_path / "har70plus" / "502.csv"
        _rewrite(path, lambda t: t.replace(",6\n", ",2\n", 1))
        with pytest.raises(DataFormatError, match=r"502\.csv holds unknown label value\(s\) \[2\]"):
            list(self.har70.parse(tmp_path, verbose=False))


# ----------------------------------------------------------------------------------------------- MotionSense
class TestMotionSense:
    from imuhar.datasets import _motionsense as mod

    def test_coremotion_sign_flipped_to_specific_force(self, tmp_path):
        path = tmp_path / "A_DeviceMotion_data" / "std_6" / "sub_3.csv"
        path.parent.mkdir(parents=True)
        head = ",attitude.roll,attitude.pitch,attitude.yaw,gravity.x,gravity.y,gravity.z,rotationRate.x,rotationRate.y,rotationRate.z,userAcceleration.x,userAcceleration.y,userAcceleration.z"
        # a phone lying face up and still: CoreMotion gravity is (0, 0, -1) g; an accelerometer reads +1 g on z
        path.write_text(head + "\n" + "\n".join(f"{i},0,0,0,0,0,-1,0.1,0,0,0,0,0.02" for i in range(20)) + "\n")
        (rec,) = list(self.mod.parse(tmp_path, verbose=False))
        np.testing.assert_allclose(rec.acc["right_hip"][0], [0, 0, 0.98 * 9.80665])
        np.testing.assert_allclose(rec.gyro["right_hip"][0], [0.1, 0, 0])
        assert rec.subject == "3" and rec.vocabulary.decode([rec.labels[0]]) == ["standing"]
        path.write_text(head.replace("userAcceleration.z", "userAcc.z") + "\n0,0,0,0,0,0,-1,0,0,0,0,0,0\n")
        with pytest.raises(DataFormatError, match=r"sub_3\.csv lacks column\(s\) \['userAcceleration\.z'\]"):
            list(self.mod.parse(tmp_path, verbose=False))


# ----------------------------------------------------------------------------------------------- USC-HAD
class TestUscHad:
    from imuhar.datasets import _usc_had as mod

    def test_mat_readings_converted_and_missing_variable_named(self, tmp_path):
        from scipy.io import savemat

        path = tmp_path / "USC-HAD" / "Subject7" / "a12t3.mat"
        path.parent.mkdir(parents=True)
        readings = np.tile([0.0, -1.0, 0.0, 90.0, 0.0, -180.0], (50, 1))
        savemat(path, {"sensor_readings": readings, "activity_numbr": "12"})  # metadata fields are not relied on
        (rec,) = list(self.mod.parse(tmp_path, verbose=False))
        np.testing.assert_allclose(rec.acc["right_hip"][0], [0, -9.80665, 0])
        np.testing.assert_allclose(rec.gyro["right_hip"][0], [np.pi / 2, 0, -np.pi])
        assert (rec.subject, rec.recording_id) == ("7", "Subject7_a12t3")
        assert rec.vocabulary.decode([rec.labels[0]]) == ["elevator down"]
        savemat(path, {"readings": readings})
        with pytest.raises(DataFormatError, match=r"a12t3\.mat has no 'sensor_readings'"):
            list(self.mod.parse(tmp_path, verbose=False))
        path.write_bytes(b"MATLAB 5.0 MAT-file, truncated")
        with pytest.raises(DataFormatError, match=r"a12t3\.mat is not a readable MATLAB file"):
            list(self.mod.parse(tmp_path, verbose=False))


# ----------------------------------------------------------------------------------------------- WHARF
class TestWharf:
    from imuhar.datasets import _wharf as mod

    def test_adc_codes_map_to_plus_minus_1_5_g(self, tmp_path):
        path = tmp_path / "HMP_Dataset" / "Pour_water" / "Accelerometer-2011-04-11-13-28-18-pour_water-m11.txt"
        path.parent.mkdir(parents=True)
        path.write_text("0 63 21\n63 0 42\n")
        (rec,) = list(self.mod.parse(tmp_path, verbose=False))
        g = 9.80665
        np.testing.assert_allclose(rec.acc["right_wrist"], [[-1.5 * g, 1.5 * g, -0.5 * g], [1.5 * g, -1.5 * g, 0.5 * g]])
        assert rec.subject == "m11" and rec.vocabulary.decode([rec.labels[0]]) == ["pour water"]
        assert rec.sample_rate_hz == 32.0 and not rec.gyro

    def test_model_copies_skipped_and_bad_codes_rejected(self, tmp_path, rng):
        self.mod.write_sample_files(tmp_path, rng)
        assert list((tmp_path / "HMP_Dataset").glob("*_MODEL/*.txt"))
        assert len(list(self.mod.parse(tmp_path, verbose=False))) == 4
        path = sorted((tmp_path / "HMP_Dataset" / "Walk").glob("*m1.txt"))[0]
        _rewrite(path, lambda t: "64 10 10\n" + t)
        with pytest.raises(DataFormatError, match=r"walk-m1\.txt: row 1 column 1 holds 64; WHARF stores integer codes 0\.\.63"):
            list(self.mod.parse(tmp_path, verbose=False))


# ----------------------------------------------------------------------------------------------- Shoaib
class TestShoaib:
    from imuhar.datasets import _shoaib as mod

    def test_position_blocks_and_misspelt_upstairs(self, tmp_path, rng):
        self.mod.write_sample_files(tmp_path, rng)
        path = tmp_path / "DataSet" / "Participant_1.csv"
        raw = np.genfromtxt(path, delimiter=",", skip_header=2, usecols=range(69))
        (rec, _) = list(self.mod.parse(tmp_path, verbose=False))
        np.testing.assert_allclose(rec.acc["right_wrist"], raw[:, 29:32], atol=1e-9)  # Wrist block starts at 28
        np.testing.assert_allclose(rec.gyro["pelvis"], raw[:, 63:66], atol=1e-9)  # Belt block starts at 56
        assert "upsatirs" in path.read_text()
        assert rec.vocabulary.decode([rec.labels[-1]]) == ["upstairs"]
        _rewrite(path, lambda t: t.replace(",walking\n", ",cooking\n", 1))
        with pytest.raises(DataFormatError, match=r"Participant_1\.csv holds unknown activity value\(s\) \['cooking'\]"):
            list(self.mod.parse(tmp_path, verbose=False))


# ----------------------------------------------------------------------------------------------- RealWorld
class TestRealWorld:
    from imuhar.datasets import _realworld as mod

    def _csv(self, path, t_ms, xyz):
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = "\n".join(f"{i},{int(t)},{x!r},{y!r},{z!r}" for i, (t, (x, y, z)) in enumerate(zip(t_ms, xyz.tolist())))
        path.write_text("id,attr_time,attr_x,attr_y,attr_z\n" + rows + "\n")

    def test_unsynchronised_devices_on_one_grid_and_pauses_cut(self, tmp_path):
        d = tmp_path / "proband3" / "data"
        t_a = 1000.0 + np.arange(300) * 20.0  # chest from 1.0 s to 6.98 s
        t_b = np.floor(1510.0 + np.arange(300) * 20.0 + np.random.default_rng(0).uniform(-3, 3, 300))  # waist starts 0.51 s later
        line = lambda t: np.stack([t / 1000.0, 9.8 + 0 * t, 0 * t], 1)
        self._csv(d / "acc_running_chest.csv", t_a, line(t_a))
        self._csv(d / "acc_running_waist.csv", t_b, line(t_b))
        (rec,) = list(self.mod.parse(tmp_path, verbose=False))
        assert rec.placements == ("pelvis", "spine3") and not rec.gyro  # acc-only, no gyro files here
        grid = np.asarray(rec.acc["spine3"])[:, 0]
        assert grid[0] == pytest.approx(t_b[0] / 1000.0)  # the common span starts with the later device
        np.testing.assert_allclose(np.diff(grid), 0.02, atol=1e-9)
        np.testing.assert_allclose(rec.acc["pelvis"][:, 0], grid, atol=1e-9)  # same instants on both devices
        t_c = np.concatenate([t_a[:100], t_a[100:] + 3000])  # a 3-s pause in the chest stream
        self._csv(d / "acc_running_chest.csv", t_c, line(t_c))
        ids = [r.recording_id for r in self.mod.parse(tmp_path, verbose=False)]
        assert ids == ["proband3_running_span1", "proband3_running_span2"]

    def test_nested_zip_and_bad_csv(self, tmp_path, rng):
        self.mod.write_sample_files(tmp_path, rng)
        recs = {r.recording_id: r for r in self.mod.parse(tmp_path, verbose=False)}
        assert len(recs["proband2_sitting"].acc) == 7  # read through the zip inside the zip
        d = tmp_path / "realworld2016_dataset" / "proband1" / "data"
        (d / "Gyroscope_walking_2_head.csv").write_text("id,attr_time,attr_x,attr_y\n1,2,3,4\n")
        with pytest.raises(DataFormatError, match=r"Gyroscope_walking_2_head\.csv lacks column\(s\) \['attr_z'\]"):
            list(self.mod.parse(tmp_path, verbose=False))


# ----------------------------------------------------------------------------------------------- Opportunity
class TestOpportunity:
    from imuhar.datasets import _opportunity as mod

    def test_milli_g_and_gyro_scaling_and_null_class(self, tmp_path, rng):
        self.mod.write_sample_files(tmp_path, rng)
        raw = np.genfromtxt(tmp_path / "OpportunityUCIDataset" / "dataset" / "S1-ADL1.dat")
        rec = next(iter(self.mod.parse(tmp_path, verbose=False)))
        np.testing.assert_allclose(rec.acc["spine3"], raw[:, 37:40] * 9.8 / 1000)  # BACK accX = column 38, value/9.8*1000
        np.testing.assert_allclose(rec.gyro["left_elbow"], raw[:, 92:95] / 1000)  # LLA gyroX = column 93
        assert np.all(rec.labels[raw[:, 243] == 0] == -1)
        assert np.isfinite(np.asarray(rec.acc["right_elbow"])).all()  # the 4-sample dropout was filled

    def test_column_names_file_moves_columns_and_bad_label(self, tmp_path, rng):
        self.mod.write_sample_files(tmp_path, rng)
        names = tmp_path / "OpportunityUCIDataset" / "dataset" / "column_names.txt"
        _rewrite(names, lambda t: t.replace("Column: 38 InertialMeasurementUnit BACK accX", "Column: 38 InertialMeasurementUnit BACK accQ"))
        with pytest.raises(DataFormatError, match=r"column_names\.txt does not name the column 'InertialMeasurementUnit BACK accX'"):
            list(self.mod.parse(tmp_path, verbose=False))
        names.unlink()  # documented positions are used without it
        dat = tmp_path / "OpportunityUCIDataset" / "dataset" / "S2-Drill.dat"
        lines = dat.read_text().splitlines()
        cells = lines[0].split()
        cells[243] = "3"
        lines[0] = " ".join(cells)
        dat.write_text("\n".join(lines) + "\n")
        with pytest.raises(DataFormatError, match=r"S2-Drill\.dat holds unknown Locomotion label value\(s\) \[3\]"):
            list(self.mod.parse(tmp_path, verbose=False))


# ----------------------------------------------------------------------------------------------- w-HAR
class TestWHar:
    from imuhar.datasets import _w_har as mod

    def _write(self, root, rows):
        path = root / "motion_data_22_users.csv"
        path.write_text("Time (s),User,Scenerio,Trial,Ax,Ay,Az,GyroX,GyroY,GyroZ\n" + "\n".join(rows) + "\n")
        return path

    def test_unnamed_label_column_transitions_and_gyro_unit_detection(self, tmp_path):
        t = np.arange(500) / 250
        w = 300 * np.sin(2 * np.pi * 2 * t)  # deg/s-sized ankle rotation
        labels = ["Stairs Up"] * 200 + ["transition"] * 100 + ["lie down"] * 200
        rows = [f"{ti:.3f},7,2,3,0,-1,0,{wi:.4f},0,0,{lab}" for ti, wi, lab in zip(t, w, labels)]
        self._write(tmp_path, rows)
        (rec,) = list(self.mod.parse(tmp_path, verbose=False))
        assert rec.recording_id == "user7_scenario2_trial3" and rec.metadata["gyro_unit_in_file"] == "deg/s"
        np.testing.assert_allclose(rec.gyro["right_ankle"][:, 0], np.deg2rad(w), atol=1e-3)
        np.testing.assert_allclose(rec.acc["right_ankle"][0], [0, -9.80665, 0])
        names = rec.vocabulary.decode(rec.labels)
        assert names[0] == "stairs up" and names[250] is None and names[-1] == "lie down"

    def test_rows_without_label_and_unknown_label(self, tmp_path):
        path = self._write(tmp_path, [f"{i / 250:.3f},1,1,1,0,1,0,0,0,0" for i in range(10)])
        with pytest.raises(DataFormatError, match=r"motion_data_22_users\.csv rows have 10 fields"):
            list(self.mod.parse(tmp_path, verbose=False))
        path.unlink()
        self._write(tmp_path, [f"{i / 250:.3f},1,1,1,0,1,0,0,0,0,swimming" for i in range(10)])
        with pytest.raises(DataFormatError, match=r"unknown activity value\(s\) \['swimming'\]"):
            list(self.mod.parse(tmp_path, verbose=False))


# ----------------------------------------------------------------------------------------------- TNDA-HAR
class TestTndaHar:
    from imuhar.datasets import _tnda_har as mod

    @pytest.mark.parametrize(
        "name, expected",
        [("LeftWrist_AccX", ("left_wrist", "acc", 0)), ("Acc_X_LW", ("left_wrist", "acc", 0)),
         ("RA_Gyro_Y", ("right_ankle", "gyro", 1)), ("Back_Gyroscope_Z", ("back", "gyro", 2)),
         ("Back_Mag_X", None), ("Class", None), ("Timestamp", None)],
    )
    def test_column_names(self, name, expected):
        assert self.mod.match_signal_column(name) == expected

    def test_units_detected_and_numeric_classes(self, tmp_path):
        n = 100
        t = np.arange(n) / 50
        head = "subject,LW_AccX,LW_AccY,LW_AccZ,LW_GyrX,LW_GyrY,LW_GyrZ,Class"
        w = 200 * np.sin(2 * np.pi * t)  # deg/s
        rows = [f"4,0,0,1,{wi:.3f},0,0,{1 + (i >= 50) * 7}" for i, wi in enumerate(w)]  # classes 1 and 8 of 1..8
        (tmp_path / "data.csv").write_text(head + "\n" + "\n".join(rows) + "\n")
        (rec,) = list(self.mod.parse(tmp_path, verbose=False))
        assert rec.subject == "4" and rec.metadata["units_in_file"] == {"left_wrist.acc": "g", "left_wrist.gyro": "deg/s"}
        np.testing.assert_allclose(rec.acc["left_wrist"][0], [0, 0, 9.80665])
        np.testing.assert_allclose(rec.gyro["left_wrist"][:, 0], np.deg2rad(np.round(w, 3)))
        assert rec.vocabulary.decode([rec.labels[0], rec.labels[-1]]) == ["sitting", "jogging"]
        (tmp_path / "data.csv").write_text(head.replace("LW_AccZ", "LW_AccQ") + "\n" + "\n".join(rows) + "\n")
        with pytest.raises(DataFormatError, match=r"data\.csv: expected x, y and z columns.*'left_wrist acc': \['z'\]"):
            list(self.mod.parse(tmp_path, verbose=False))


# ----------------------------------------------------------------------------------------------- UT-Complex
class TestUtComplex:
    from imuhar.datasets import _ut_complex as mod

    def _write(self, root, times, codes):
        for fname in ("smartphoneatpocket.csv", "smartphoneatwrist.csv"):
            rows = [f"{t:.0f},0,0,9.8,0,0,0,0.1,0,0,1,2,3,{c}" for t, c in zip(times, codes)]
            (root / fname).write_text("\n".join(rows) + "\n")

    def test_equal_shares_per_pseudo_participant_and_uniform_fallback(self, tmp_path):
        codes = [11118] * 700  # typing: 7 participants -> 7 blocks of 100 rows
        self._write(tmp_path, np.zeros(700), codes)  # timestamps unusable: rows taken as 50 Hz samples
        recs = list(self.mod.parse(tmp_path, verbose=False))
        assert [r.subject for r in recs] == [f"P{k}" for k in range(1, 8)]
        assert {r.n_samples for r in recs} == {100} and recs[0].recording_id == "typing_P1"
        np.testing.assert_allclose(recs[0].acc["right_wrist"][0], [0, 0, 9.8])

    def test_files_must_pair_row_by_row(self, tmp_path):
        self._write(tmp_path, np.arange(100) * 20.0, [11111] * 100)
        _rewrite(tmp_path / "smartphoneatwrist.csv", lambda t: "\n".join(t.splitlines()[:-1]) + "\n")
        with pytest.raises(DataFormatError, match=r"must hold the same rows.*100 and 99 rows"):
            list(self.mod.parse(tmp_path, verbose=False))
        self._write(tmp_path, np.arange(100) * 20.0, [11111] * 99 + [11124])
        with pytest.raises(DataFormatError, match=r"smartphoneatpocket\.csv holds unknown activity code value\(s\) \[11124\]"):
            list(self.mod.parse(tmp_path, verbose=False))


# ----------------------------------------------------------------------------------------------- MMAct
class TestMMAct:
    from imuhar.datasets import _mmact as mod

    def test_numeric_ms_timestamps_header_and_units(self, tmp_path):
        trial = Path("subject3") / "scene2" / "session4" / "Talking_On_Phone.csv"
        t = 1.54e12 + np.arange(150) * 20.0
        for stream, row in (("acc_phone_clip", "0,1,0"), ("gyro_clip", "0,0,90"), ("acc_watch_clip", "0,0,-1")):
            path = tmp_path / stream / trial
            path.parent.mkdir(parents=True)
            path.write_text("time,x,y,z\n" + "\n".join(f"{ti:.0f},{row}" for ti in t) + "\n")
        (rec,) = list(self.mod.parse(tmp_path, verbose=False))
        assert rec.recording_id == "subject3_scene2_session4_talking_on_phone" and rec.subject == "3"
        np.testing.assert_allclose(rec.acc["right_hip"][0], [0, 9.80665, 0])  # g detected
        np.testing.assert_allclose(rec.gyro["right_hip"][0], [0, 0, np.pi / 2])  # deg/s detected
        assert "right_wrist" not in rec.gyro and rec.n_samples == 150

    def test_unknown_action_is_named(self, tmp_path, rng):
        self.mod.write_sample_files(tmp_path, rng)
        src = next((tmp_path / "MMAct_sensor" / "acc_watch_clip").rglob("walking.csv"))
        src.rename(src.with_name("juggling.csv"))
        with pytest.raises(DataFormatError, match=r"juggling\.csv: action 'juggling' is not one of the 35 classes"):
            list(self.mod.parse(tmp_path, verbose=False))


# ----------------------------------------------------------------------------------------------- shared reader
def test_truncated_last_row_is_reported(tmp_path, rng):
    from imuhar.datasets import _pamap2

    _pamap2.write_sample_files(tmp_path, rng)
    path = tmp_path / "PAMAP2_Dataset" / "Protocol" / "subject102.dat"
    path.write_text(path.read_text()[:-200])  # cut in the middle of the last row
    with pytest.raises(DataFormatError, match=r"subject102\.dat: the last row has \d+ of 54 columns.*truncated"):
        list(_pamap2.parse(tmp_path, verbose=False))


# ----------------------------------------------------------------------------------------------- placements
MY_LOADERS = ("opportunity", "motionsense", "w_har", "shoaib", "har70plus", "realworld", "tnda_har", "pamap2",
              "usc_had", "mhealth", "harth", "ut_complex", "wharf", "wisdm", "dsads", "mmact")
#: Deliberate departures from the alias table, each explained on the dataset's card.
PLACEMENT_OVERRIDES = {
    ("harth", "back"): "spine1",  # the lower back (L3), not the upper back
    ("har70plus", "back"): "spine1",
    ("mhealth", "right-lower-arm"): "right_wrist",  # the README places this unit on the right wrist
}


@pytest.mark.parametrize("module", MY_LOADERS)
def test_placements_follow_the_canonical_alias_table(module):
    """A sensor named like a body part lands where imuhar's alias table puts that part (up to the documented side),
    so the same body location means the same node in every dataset (UniMTS put thighs on two different joints)."""
    import importlib

    from imuhar.core import UnknownPlacementError, resolve_placement

    card = importlib.import_module(f"imuhar.datasets._{module}").CARD
    unsided = lambda node: node.replace("left_", "").replace("right_", "")
    for sensor, node in card.placements.items():
        expected = PLACEMENT_OVERRIDES.get((card.name, sensor))
        if expected is None:
            try:
                expected = resolve_placement(sensor.split(" (")[0])
            except UnknownPlacementError:
                continue  # file-specific codes such as "RUA" or "T" are mapped on the card, with the reason
        assert unsided(node) == unsided(expected), f"{card.name}: {sensor!r} -> {node}, alias table says {expected}"
    assert card.placements and set(card.sensors) == set(card.placements.values())


def test_download_archive_wrapping_the_authors_zip(tmp_path, rng):
    """UCI archives often hold the authors' own zip (PAMAP2_Dataset.zip inside the download): read it in place."""
    from imuhar.datasets import _pamap2, _wisdm

    for mod in (_pamap2, _wisdm):
        folder = tmp_path / mod.CARD.name
        expected = mod.write_sample_files(folder, rng)
        inner = _zip(folder)
        outer = tmp_path / f"{mod.CARD.name}-download.zip"
        with zipfile.ZipFile(outer, "w") as z:
            z.write(inner, "authors-release.zip")
            z.writestr("readme.txt", "the release notes")
        recs = list(mod.parse(outer, verbose=False))
        assert len(recs) == expected["n_recordings"]
        assert {r.subject for r in recs} == expected["subjects"]


def test_opportunity_challenge_layout_located_by_column_names(tmp_path):
    """The challenge release has 9 columns per IMU and 116 in all; challenge_column_names.txt says where."""
    from imuhar.datasets import _opportunity

    names = {0: "MILLISEC", 114: "Locomotion", 115: "Gestures"}
    for j, unit in enumerate(("BACK", "RUA", "RLA", "LUA", "LLA")):
        for k, ax in enumerate(("accX", "accY", "accZ", "gyroX", "gyroY", "gyroZ", "magneticX", "magneticY", "magneticZ")):
            names[37 + 9 * j + k] = f"InertialMeasurementUnit {unit} {ax}; value = round(original_value), unit = x"
    folder = tmp_path / "OpportunityChallengeLabeled"
    folder.mkdir()
    (folder / "challenge_column_names.txt").write_text(
        "\n".join(f"Column: {c + 1} {names.get(c, 'Other')}" for c in range(116)) + "\n")
    data = np.zeros((60, 116))
    data[:, 37 + 9 * 2 + 2] = 1000  # RLA accZ: 1 g
    data[:, 37 + 9 * 2 + 3] = 500  # RLA gyroX: 0.5 rad/s
    data[:, 114] = 5
    (folder / "S3-ADL2.dat").write_text("\n".join(" ".join(str(int(v)) for v in r) for r in data) + "\n")
    (rec,) = list(_opportunity.parse(tmp_path, verbose=False))
    np.testing.assert_allclose(rec.acc["right_elbow"][0], [0, 0, 9.8])
    np.testing.assert_allclose(rec.gyro["right_elbow"][0], [0.5, 0, 0])
    assert rec.vocabulary.decode([rec.labels[0]]) == ["lie"] and rec.recording_id == "S3-ADL2"
