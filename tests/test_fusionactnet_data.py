"""FusionActNet's 9-channel windows and the evaluation entry point (synthetic data; real HAPT where present)."""

from __future__ import annotations

import numpy as np
import pytest

from imuhar.core import InvalidParameterError
from imuhar.testing import make_recording

from conftest import require_shared

pytest.importorskip("scipy")


def _recording(seed=0, subject="s1"):
    return make_recording(n_samples=1500, rate_hz=50.0, placements=("waist",), segment_s=6.0, subject=subject, seed=seed)


def test_labelled_segments_skip_unlabelled_runs():
    from imuhar.methods.fusionactnet import labelled_segments

    assert labelled_segments(np.array([-1, -1, 0, 0, 1, 1, 1, -1, 0])) == [(2, 4), (4, 7), (8, 9)]
    assert labelled_segments(np.array([], dtype=int)) == []


def test_nine_channels_are_body_gyro_total_and_windows_stay_inside_segments():
    from imuhar.methods.fusionactnet import NINE_CHANNELS, nine_channel_windows
    from imuhar.preprocessing import lowpass, split_gravity

    rec = _recording()
    w = nine_channel_windows(rec, length_s=2.56, overlap=0.5, verbose=False)
    assert w.channels == NINE_CHANNELS and w.x.shape[1:] == (1, 9, 128)
    # 6-s segments of 300 samples: (300 - 128) // 64 + 1 = 3 windows each, 5 segments
    assert w.n_windows == 15
    starts = np.round(w.start_s * 50).astype(int)
    assert np.all(starts % 300 + 128 <= 300)  # no window crosses a segment boundary
    assert set(w.recording_ids) == {rec.recording_id}
    # body + gravity = total, gravity = 0.3 Hz low-pass of the (noise-filtered) total acceleration
    filtered = lowpass(rec, 20.0, order=3)
    gravity, body = split_gravity(filtered, cutoff_hz=0.3)
    i0 = starts[4]
    np.testing.assert_allclose(w.x[4, 0, 6:9], filtered.acc["pelvis"][i0 : i0 + 128].T, atol=1e-4)
    np.testing.assert_allclose(w.x[4, 0, 0:3], body.acc["pelvis"][i0 : i0 + 128].T, atol=1e-4)
    np.testing.assert_allclose(w.x[4, 0, 3:6], filtered.gyro["pelvis"][i0 : i0 + 128].T, atol=1e-4)
    # the still class: gravity along +z only, body acceleration near zero
    still = w.labels == 0
    assert abs(w.x[still, 0, 8].mean() - 9.80665) < 0.1 and np.abs(w.x[still, 0, 0:3]).mean() < 0.2


def test_nine_channel_windows_reject_impossible_lengths():
    from imuhar.methods.fusionactnet import nine_channel_windows

    with pytest.raises(InvalidParameterError):
        nine_channel_windows(_recording(), length_s=10.0, verbose=False)
    with pytest.raises(InvalidParameterError):
        nine_channel_windows([], verbose=False)


def test_subject_folds_follow_the_card_or_group_by_subject():
    from imuhar.methods.fusionactnet import nine_channel_windows, subject_folds

    recs = [_recording(seed=i, subject=str(i)) for i in (1, 2, 3, 4, 5, 6)]
    w = nine_channel_windows(recs, length_s=2.56, verbose=False)
    rule, folds = subject_folds("uci-har", w)  # official test subjects 2, 4 (9, 10, ... absent here)
    assert len(folds) == 1 and set(w.subjects[folds[0][1]]) == {"2", "4"} and "given" in rule
    rule, folds = subject_folds("sp-sw-har", w, n_folds=3)  # no official split: grouped k-fold
    assert len(folds) == 3 and "grouped 3-fold" in rule
    seen = []
    for train_idx, test_idx in folds:
        assert not set(w.subjects[train_idx]) & set(w.subjects[test_idx])
        seen.extend(w.subjects[test_idx].tolist())
    assert sorted(seen) == sorted(w.subjects.tolist())
    assert len(subject_folds("sp-sw-har", w, n_folds=3, max_folds=1)[1]) == 1


@pytest.mark.slow
def test_evaluate_reports_means_over_seeds_on_official_test_subjects():
    pytest.importorskip("torch")
    from imuhar.methods.fusionactnet import FusionActNet, evaluate_fusionactnet, nine_channel_windows

    # UCI-HAR's official split: subjects 2 and 4 are test subjects, 1, 3, 5, 6 training subjects
    recs = [_recording(seed=i, subject=str(i)) for i in (1, 2, 3, 4, 5, 6)]
    w = nine_channel_windows(recs, length_s=2.56, overlap=0.5, verbose=False)
    res = evaluate_fusionactnet("uci-har", windows=w, seeds=(0, 1), verbose=False, **FusionActNet._test_params())
    assert res["test_subjects"] == ["2", "4"]
    assert res["n_test_windows"] == int(np.isin(w.subjects, ["2", "4"]).sum())
    for key in ("accuracy", "macro_f1", "accuracy_no_gate", "macro_f1_no_gate", "train_time_s"):
        vals = [row[key] for row in res["per_seed"]]
        assert res[key] == pytest.approx(np.mean(vals), abs=1e-3)
        assert 0 <= res[key] <= 100 or key == "train_time_s"
    assert res["seeds"] == [0, 1] and "test subjects" in res["split_rule"]
    for row in res["per_seed"]:
        for fold in row["folds"]:
            assert not set(fold["validation_subjects"]) & {"2", "4"}
    with pytest.raises(InvalidParameterError):
        evaluate_fusionactnet("uci-har", windows=w, seed=3)


def test_evaluate_records_refit_epochs_and_names_the_selection_in_the_protocol():
    pytest.importorskip("torch")
    from imuhar.methods.fusionactnet import FusionActNet, evaluate_fusionactnet, nine_channel_windows

    recs = [_recording(seed=i, subject=str(i)) for i in (1, 2, 3, 5, 6)]
    w = nine_channel_windows(recs, length_s=2.56, overlap=0.5, verbose=False)
    params = dict(FusionActNet._test_params(), epoch_selection="refit")
    res = evaluate_fusionactnet("uci-har", windows=w, seeds=(0,), ablation=False, verbose=False, **params)
    member = res["per_seed"][0]["folds"][0]["members"][0]
    assert member["refit_epochs"] == member["best_epochs"]
    assert "refitted on all training subjects" in res["protocol"] and res["params"]["epoch_selection"] == "refit"


@pytest.mark.real_data
def test_real_hapt_windows_match_the_uci_har_release():
    from imuhar.datasets import load_dataset
    from imuhar.methods.fusionactnet import nine_channel_windows

    path = require_shared("uci-hapt.zip")
    recs = load_dataset("uci-har", path, benchmark=True, subjects=["1", "2"], verbose=False)
    w = nine_channel_windows(recs, verbose=False)
    assert w.n_samples == 128 and w.rate_hz == 50.0 and set(np.unique(w.subjects)) == {"1", "2"}
    assert set(np.unique(w.labels)) == set(range(6))
    # total acceleration of a still, upright phone: |g| about 9.81 m/s²; body acceleration is gravity-free
    lying = w.labels == w.vocabulary.index("lying")
    norm = np.linalg.norm(w.x[lying, 0, 6:9].mean(axis=2), axis=1)
    assert np.all(np.abs(norm - 9.81) < 0.6)
    assert np.abs(w.x[:, 0, 0:3].mean()) < 0.05
