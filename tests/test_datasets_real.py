"""Loaders on the real files in ../shared/data (skipped where absent; required under IMUHAR_REQUIRE_REAL_DATA=1).

Each dataset is parsed once per module (module-scoped fixtures) and every test reads that list.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from conftest import require_shared
from imuhar.core import UNLABELLED
from imuhar.datasets import get_dataset, load_dataset

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def uci_raw():
    return load_dataset("uci-har", require_shared("uci-hapt.zip"), verbose=False)


@pytest.fixture(scope="module")
def utd():
    return load_dataset("utd-mhad", require_shared("utd-mhad"), verbose=False)


@pytest.fixture(scope="module")
def spsw():
    return load_dataset("sp-sw-har", require_shared("sp-sw-har.zip"), verbose=False)


@pytest.fixture(scope="module")
def basic():
    ds = get_dataset("basicmotions")
    if not ds.is_available():
        pytest.skip("sktime's bundled BasicMotions files are not installed")
    return ds.load(verbose=False)


def _present(recs):
    counts = Counter()
    for r in recs:
        ids, n = np.unique(r.labels[r.labels != UNLABELLED], return_counts=True)
        counts.update({r.vocabulary[i].name: int(k) for i, k in zip(ids, n)})
    return counts


# ---------------------------------------------------------------------------------------------- UCI-HAR (HAPT)
def test_uci_har_raw_sessions_subjects_and_classes(uci_raw):
    assert len(uci_raw) == 61
    assert {r.subject for r in uci_raw} == {str(i) for i in range(1, 31)}
    present = _present(uci_raw)
    assert len(present) == 12  # 6 activities + 6 postural transitions, each its own label
    kinds = {a.name: a.kind for a in uci_raw[0].vocabulary}
    assert sum(kinds[n] == "transition" for n in present) == 6
    for r in uci_raw:
        assert r.placements == ("pelvis",) and r.sample_rate_hz == 50.0


def test_uci_har_units_gravity_and_rad_s(uci_raw):
    # standing still: |acc| is 1 g in m/s², the gyro near zero in rad/s
    idx = uci_raw[0].vocabulary.index("standing")
    acc = np.concatenate([r.acc["pelvis"][r.labels == idx] for r in uci_raw])
    gyro = np.concatenate([r.gyro["pelvis"][r.labels == idx] for r in uci_raw])
    assert np.median(np.linalg.norm(acc, axis=1)) == pytest.approx(9.81, abs=0.4)
    assert np.median(np.abs(gyro)) < 0.05


def test_uci_har_benchmark_view_keeps_six_activities(uci_raw):
    ds = get_dataset("uci-har")
    from imuhar.datasets import restrict_to_benchmark

    bench = restrict_to_benchmark(uci_raw, ds.card)
    present = _present(bench)
    assert set(present) == {"walking", "walking upstairs", "walking downstairs", "sitting", "standing", "lying"}
    full = _present(uci_raw)
    assert all(present[k] == full[k] for k in present)  # activity samples untouched
    dropped = sum(v for k, v in full.items() if k not in present)
    assert sum((r.labels == UNLABELLED).sum() for r in bench) - sum((r.labels == UNLABELLED).sum() for r in uci_raw) == dropped


def test_uci_har_official_test_subjects_present(uci_raw):
    card = get_dataset("uci-har").card
    assert set(card.split.test_subjects) == {"2", "4", "9", "10", "12", "13", "18", "20", "24"}
    assert set(card.split.test_subjects) <= {r.subject for r in uci_raw}


# ---------------------------------------------------------------------------------------------- UTD-MHAD
def test_utd_mhad_trials_subjects_actions(utd):
    assert len(utd) == 861
    assert {r.subject for r in utd} == {str(i) for i in range(1, 9)}
    assert len(_present(utd)) == 27
    for r in utd:
        assert len(np.unique(r.labels)) == 1 and r.sample_rate_hz == 50.0


def test_utd_mhad_protocol_placement_and_units(utd):
    for r in utd:
        action = r.metadata["action"]
        assert r.placements == (("right_wrist",) if action <= 21 else ("right_hip",))
    acc = np.concatenate([next(iter(r.acc.values())) for r in utd])
    gyro = np.concatenate([next(iter(r.gyro.values())) for r in utd])
    assert np.median(np.linalg.norm(acc, axis=1)) == pytest.approx(9.81, abs=1.0)
    assert np.abs(gyro).max() < np.deg2rad(2000) and np.percentile(np.abs(gyro), 99) > 1.0  # rad/s, arms swing


def test_utd_mhad_fixed_placement_mode_hides_the_label_group():
    ds = get_dataset("utd-mhad")
    src = require_shared("utd-mhad")
    from imuhar.datasets._io import DataSource

    # read a few trials only: a DataSource restricted to two actions keeps this test fast
    class Few(DataSource):
        def __init__(self, path):
            super().__init__(path)
            self._names = [n for n in self._names if n.split("/")[-1].startswith(("a1_s1_", "a27_s1_"))]

    recs = list(ds.parse(Few(src), verbose=False, placement="right_wrist"))
    assert {r.metadata["action"] for r in recs} == {1, 27}
    assert all(r.placements == ("right_wrist",) and r.metadata["placement_source"] == "fixed" for r in recs)


def test_utd_mhad_skeleton_pairs():
    from imuhar.datasets._utd_mhad import KINECT_JOINTS, skeleton_files

    pairs = skeleton_files(require_shared("utd-mhad"))
    assert len(pairs) == 861 and len(KINECT_JOINTS) == 20
    assert all(p.inertial is not None and p.skeleton_path.exists() for p in pairs)
    assert pairs[0].label == "right arm swipe to the left"


# ---------------------------------------------------------------------------------------------- SP-SW-HAR
def test_sp_sw_har_subjects_classes_two_devices(spsw):
    assert len(spsw) == 223
    assert len({r.subject for r in spsw}) == 23
    assert set(_present(spsw)) == {"seated", "standing up", "walking", "turning", "sitting down"}
    for r in spsw:
        assert r.placements == ("left_hip", "left_wrist") and set(r.gyro) == {"left_hip", "left_wrist"}
        assert r.sample_rate_hz == 100.0
    unlabelled = sum((r.labels == UNLABELLED).sum() for r in spsw) / sum(r.n_samples for r in spsw)
    assert unlabelled < 0.01  # phone and watch labels disagree only at boundaries


def test_sp_sw_har_grid_is_uniform_and_within_both_devices(spsw):
    r = spsw[0]
    assert r.duration_s == pytest.approx(r.n_samples / 100.0)
    seated = r.vocabulary.index("seated")
    acc = r.acc["left_wrist"][r.labels == seated]
    assert np.median(np.linalg.norm(acc, axis=1)) == pytest.approx(9.81, abs=0.5)
    assert "orientation" in r.metadata["execution"]


# ---------------------------------------------------------------------------------------------- BasicMotions
def test_basicmotions_cases_classes_split(basic):
    assert len(basic) == 80
    assert Counter(r.subject for r in basic) == {"train": 40, "test": 40}
    assert set(_present(basic)) == {"standing", "walking", "running", "badminton"}
    assert all(r.n_samples == 100 and r.sample_rate_hz == 10.0 for r in basic)


def test_basicmotions_units_as_documented(basic):
    standing = [r for r in basic if r.vocabulary.decode([r.labels[0]])[0] == "standing"]
    acc = np.concatenate([r.acc["right_wrist"] for r in standing])
    assert np.median(np.linalg.norm(acc, axis=1)) < 1.5  # linear acceleration: no 9.81 offset at rest
    assert not get_dataset("basicmotions").card.acc_includes_gravity
    assert max(np.abs(r.gyro["right_wrist"]).max() for r in basic) < 35.0  # rad/s, 2000 deg/s range
