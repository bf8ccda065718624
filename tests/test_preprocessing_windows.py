"""Sliding windows: count formula, label rules, masks, provenance, protocol lengths."""

from collections import Counter

import numpy as np
import pytest

from imuhar.core import NODES, UNLABELLED, InvalidParameterError, InvalidRateError, LabelVocabulary, Recording, ShapeMismatchError
from imuhar.preprocessing import fit_length, lowpass, sliding_windows, window_labels, window_starts

VOCAB = LabelVocabulary.from_names(["sit", "walk", "run"])


def rec(n, labels=None, *, placements=("waist",), gyro=True, subject="1", rid="r", rate=50.0, seed=0):
    rng = np.random.default_rng(seed)
    acc = {p: rng.normal(size=(n, 3)) for p in placements}
    gy = {p: rng.normal(size=(n, 3)) for p in placements} if gyro else {}
    labels = np.zeros(n, int) if labels is None else labels
    return Recording(acc=acc, gyro=gy, sample_rate_hz=rate, labels=labels, vocabulary=VOCAB, subject=subject, recording_id=rid)


@pytest.mark.parametrize("t, n, hop", [(100, 10, 5), (101, 10, 5), (99, 10, 3), (10, 10, 7), (9, 10, 1), (1000, 128, 64)])
def test_window_count_formula(t, n, hop):
    w = sliding_windows(rec(t), n_samples=n, step=hop, drop_unlabelled=False)
    expected = (t - n) // hop + 1 if t >= n else 0
    assert w.n_windows == expected == len(window_starts(t, n, hop))
    np.testing.assert_allclose(w.start_s, np.arange(expected) * hop / 50.0)


def test_overlap_and_seconds_set_the_hop():
    w = sliding_windows(rec(1000), length_s=2.56, overlap=0.5)
    assert w.n_samples == 128 and w.metadata["provenance"][-1]["step_samples"] == 64
    assert w.n_windows == (1000 - 128) // 64 + 1
    w0 = sliding_windows(rec(1000), n_samples=100, overlap=0.0)
    assert w0.n_windows == 10
    w_s = sliding_windows(rec(1000), length_s=2.0, step_s=0.5)
    assert w_s.metadata["provenance"][-1]["step_samples"] == 25


LABELS = np.array([0] * 6 + [1] * 4 + [-1] * 2 + [2] * 8)


@pytest.mark.parametrize(
    "rule, expected",
    [
        ("majority", [0, 1, 2, 2]),  # [0,1,1,1,1] -> 1; [-1,-1,2,2,2] -> 2
        ("center", [0, 1, 2, 2]),  # samples 2, 7, 12, 17
        ("strict", [0, -1, -1, 2]),
    ],
)
def test_label_rules_on_a_constructed_sequence(rule, expected):
    got = window_labels(LABELS, window_starts(20, 5, 5), 5, 3, rule)
    np.testing.assert_array_equal(got, expected)
    w = sliding_windows(rec(20, LABELS), n_samples=5, step=5, label_rule=rule, drop_unlabelled=False)
    np.testing.assert_array_equal(w.labels, expected)
    kept = sliding_windows(rec(20, LABELS), n_samples=5, step=5, label_rule=rule)
    np.testing.assert_array_equal(kept.labels, [e for e in expected if e != UNLABELLED])


def test_majority_ties_unlabelled_and_min_fraction():
    lab = np.array([0, 0, 1, 1, -1, -1, -1, 2, 2, 1, 1, 1, 1, 0])
    starts = np.array([0, 4, 9])
    # [0,0,1,1] tie -> lowest id; [-1,-1,-1,2] unlabelled wins; [1,1,1,1] -> 1
    np.testing.assert_array_equal(window_labels(lab, starts, 4, 3, "majority"), [0, -1, 1])
    np.testing.assert_array_equal(window_labels(lab, np.array([3]), 4, 3, "majority"), [-1])  # [1,-1,-1,-1]
    np.testing.assert_array_equal(window_labels(lab, np.array([0]), 4, 3, "majority", min_fraction=0.75), [-1])
    np.testing.assert_array_equal(window_labels(lab, np.array([9]), 4, 3, "majority", min_fraction=1.0), [1])


def test_vectorized_labels_match_a_per_window_reference(rng):
    lab = rng.integers(-1, 4, size=500)
    lab = np.repeat(lab, rng.integers(1, 30, size=500))[:3000]  # runs, as in real label streams
    n, hop = 37, 11
    starts = window_starts(len(lab), n, hop)
    for rule in ("majority", "center", "strict"):
        ref = []
        for s in starts:
            seg = lab[s : s + n]
            if rule == "center":
                ref.append(seg[n // 2])
            elif rule == "strict":
                ref.append(seg[0] if (seg == seg[0]).all() and seg[0] >= 0 else -1)
            else:
                c = Counter(seg.tolist())
                best = max(c.values())
                winners = sorted(k for k, v in c.items() if v == best)
                classes = [k for k in winners if k >= 0]
                ref.append(classes[0] if classes else -1)
        np.testing.assert_array_equal(window_labels(lab, starts, n, 4, rule), ref, err_msg=rule)


def test_window_content_masks_and_metadata():
    a = rec(300, placements=("waist",), subject="7", rid="a", seed=1)
    b = rec(300, placements=("waist", "right_wrist"), gyro=False, subject="8", rid="b", seed=2)
    w = sliding_windows([a, b], n_samples=50, step=25)
    assert w.nodes == ("pelvis", "right_wrist") and w.channels == ("acc.x", "acc.y", "acc.z", "gyro.x", "gyro.y", "gyro.z")
    assert w.x.shape == (22, 2, 6, 50) and w.x.dtype == np.float32
    first_b = np.flatnonzero(w.recording_ids == "b")[0]
    # window 3 of a: samples 75..124 of the waist sensor, acc then gyro
    np.testing.assert_allclose(w.x[3, 0, :3], a.acc["pelvis"][75:125].T, rtol=1e-6)
    np.testing.assert_allclose(w.x[3, 0, 3:], a.gyro["pelvis"][75:125].T, rtol=1e-6)
    assert not w.node_mask[: first_b, 1].any() and (w.x[:first_b, 1] == 0).all()
    assert w.node_mask[first_b:].all()
    assert w.channel_mask[:first_b].all()
    assert not w.channel_mask[first_b:, 3:].any() and (w.x[first_b:, :, 3:] == 0).all()
    assert set(w.subjects) == {"7", "8"} and w.start_s[first_b] == 0.0
    assert w.rate_hz == 50.0 and w.vocabulary.names == VOCAB.names
    every = sliding_windows([a], n_samples=50, nodes="all")
    assert every.nodes == NODES and every.node_mask.sum(axis=1).tolist() == [1] * every.n_windows
    chosen = sliding_windows([b], n_samples=50, nodes=["wrist"], channels=("acc",))
    assert chosen.nodes == ("right_wrist",) and chosen.n_channels == 3


def test_provenance_carries_recording_steps_then_window_parameters():
    r = lowpass(rec(400), 10.0)
    w = sliding_windows([r, r.replace(recording_id="r2")], n_samples=50, overlap=0.5, label_rule="center")
    steps = [p["step"] for p in w.metadata["provenance"]]
    assert steps == ["lowpass", "sliding_windows"]
    last = w.metadata["provenance"][-1]
    assert last["label_rule"] == "center" and last["n_samples"] == 50 and last["n_recordings"] == 2
    mixed = sliding_windows([r, rec(400)], n_samples=50)
    assert mixed.metadata["provenance"][0]["step"] == "recordings"
    assert sorted(c["n_recordings"] for c in mixed.metadata["provenance"][0]["chains"]) == [1, 1]


def test_short_recordings_drop_tile_or_pad():
    short = rec(30, np.ones(30, int))
    assert sliding_windows(short, n_samples=50).n_windows == 0
    tiled = sliding_windows(short, n_samples=50, short="tile")
    np.testing.assert_allclose(tiled.x[0, 0, 0], short.acc["pelvis"][np.arange(50) % 30, 0], rtol=1e-6)
    assert tiled.labels.tolist() == [1]
    padded = sliding_windows(short, n_samples=50, short="pad")
    assert (padded.x[0, :, :, 30:] == 0).all() and padded.labels.tolist() == [1]  # 30 labelled vs 20 padded
    strict = sliding_windows(short, n_samples=50, short="pad", label_rule="strict")
    assert strict.n_windows == 0


def test_fit_length_crop_tile_pad():
    w = sliding_windows(rec(400), n_samples=40, step=40)
    np.testing.assert_array_equal(fit_length(w, 25, "crop").x, w.x[..., :25])
    np.testing.assert_array_equal(fit_length(w, 20, align="center").x, w.x[..., 10:30])
    tiled = fit_length(w, 100, "tile")
    np.testing.assert_array_equal(tiled.x[..., 40:80], w.x)
    assert tiled.metadata["provenance"][-1]["step"] == "fit_length"
    padded = fit_length(w, 50, "pad")
    assert (padded.x[..., 40:] == 0).all() and padded.n_samples == 50
    with pytest.raises(ShapeMismatchError, match="only shortens"):
        fit_length(w, 50, "crop")


def test_windowing_refuses_mixed_rates_vocabularies_and_bad_geometry():
    with pytest.raises(InvalidRateError, match="resample them"):
        sliding_windows([rec(100), rec(100, rate=20.0)], n_samples=10)
    other = Recording(acc={"waist": np.zeros((100, 3))}, sample_rate_hz=50, vocabulary=LabelVocabulary.from_names(["x"]))
    with pytest.raises(InvalidParameterError, match="vocabularies"):
        sliding_windows([rec(100), other], n_samples=10)
    with pytest.raises(InvalidParameterError, match="exactly one"):
        sliding_windows(rec(100), n_samples=10, length_s=1.0)
    with pytest.raises(InvalidParameterError, match="overlap"):
        sliding_windows(rec(100), n_samples=10, overlap=1.0)
    with pytest.raises(InvalidParameterError, match="label_rule"):
        sliding_windows(rec(100), n_samples=10, label_rule="mode")
