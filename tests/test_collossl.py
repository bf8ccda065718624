"""ColloSSL: MMD, device selection, other-time sampling, the multi-view loss (value and sign), the methods."""

from __future__ import annotations

import numpy as np
import pytest

from imuhar.core import InvalidParameterError, LabelVocabulary, ShapeMismatchError, Windows
from imuhar.methods.collossl import (
    device_distances,
    device_views,
    gaussian_kernel_sum,
    mmd2,
    other_time_mask,
    sample_negative_counts,
    select_devices,
)

torch = pytest.importorskip("torch")


# ---------------------------------------------------------------------- MMD
def test_mmd_of_identical_sets_is_zero(rng):
    x = rng.normal(size=(200, 5)) * 0.3
    assert mmd2(x, x) == pytest.approx(0.0, abs=1e-10)
    # Two independent draws of one distribution: small (only the biased estimator's diagonal terms) compared with
    # a set shifted by one standard deviation.
    y = rng.normal(size=(200, 5)) * 0.3
    assert mmd2(x, y) < 0.2 * mmd2(x, y + 0.3)


def test_mmd_grows_with_mean_shift(rng):
    x = rng.normal(size=(60, 10)) * 0.3
    values = [mmd2(x, x + shift) for shift in (0.0, 0.05, 0.1, 0.2, 0.4, 0.8)]
    assert values[0] == pytest.approx(0.0, abs=1e-10)
    assert all(b > a for a, b in zip(values, values[1:]))


def test_kernel_sum_matches_definition():
    x = np.array([[0.0, 0.0], [1.0, 2.0]])
    y = np.array([[1.0, 0.0]])
    k = gaussian_kernel_sum(x, y, bandwidths=(0.5, 2.0))
    d2 = np.array([1.0, 4.0])
    expected = np.exp(-d2 / 1.0) + np.exp(-d2 / 4.0)
    np.testing.assert_allclose(k[:, 0], expected)


def test_mmd_floor_and_errors():
    x = np.zeros((3, 4))
    assert mmd2(x, x, floor=1e-4) == 1e-4
    with pytest.raises(ShapeMismatchError):
        mmd2(np.zeros((3, 4)), np.zeros((3, 5)))
    with pytest.raises(InvalidParameterError):
        mmd2(x, x, bandwidths=(1.0, -1.0))


def _batch(rng, n=32, t=50, offsets=(0.0, 0.05, 0.6, 1.2)):
    """Acc of len(offsets) devices: device d = device 0 plus a magnitude offset (in g) and small noise."""
    base = rng.normal(size=(n, 1, 3, t)) * 0.2 + np.array([0, 0, 1.0])[None, None, :, None]
    devs = [base[:, 0] * (1 + off) + rng.normal(size=(n, 3, t)) * 0.01 for off in offsets]
    return np.stack(devs, axis=1)


def test_device_distances_rank_by_similarity(rng):
    acc = _batch(rng)
    for metric in ("magnitude", "per_axis"):
        d = device_distances(acc, 0, metric=metric)
        assert np.isnan(d[0])
        assert d[1] < d[2] < d[3]


def test_select_devices_strategies(rng):
    d = np.array([np.nan, 0.5, 0.01, 0.2, 0.9])
    s = select_devices(d, 0, strategy="closest_pos_all_neg")
    assert s.positives == (2,) and s.negatives == (1, 2, 3, 4)
    # weights 1/MMD over the max weight: the closest (positive device, as negative) weighs 1
    np.testing.assert_allclose(s.negative_weights, (1 / d[[1, 2, 3, 4]]) / 100.0)
    np.testing.assert_allclose(s.positive_weights, [1 / 100.0])
    s = select_devices(d, 0, strategy="hard_negative", n_hard_negatives=2)
    assert s.positives == (2,) and s.negatives == (1, 3)
    s = select_devices(d, 0, strategy="closest_pos_rest_neg", weighted=False)
    assert s.negatives == (1, 3, 4) and np.all(s.negative_weights == 1.0)
    s = select_devices(d, 0, strategy="random_selection", rng=np.random.default_rng(0))
    assert len(s.positives) == 1 and len(s.negatives) == 1 and 0 not in s.positives + s.negatives
    with pytest.raises(InvalidParameterError, match="needs 3 candidate devices"):
        select_devices(np.array([np.nan, 0.1, 0.2]), 0, strategy="hard_negative")
    with pytest.raises(InvalidParameterError):
        select_devices(d, 0, strategy="nearest")


# ---------------------------------------------------------------------- sampling
def test_negatives_are_at_other_times_only(rng):
    # Two recordings, windows of 2 s every 1 s: neighbours overlap, so they are the "same time".
    rec = np.array(["a"] * 6 + ["b"] * 6)
    start = np.tile(np.arange(6.0), 2)
    allowed = other_time_mask(rec, start, 2.0)
    assert not allowed[0, 0] and not allowed[0, 1] and allowed[0, 2] and allowed[0, 6]
    assert not np.any(np.diag(allowed))
    for k in (1, 3, "all"):
        counts = sample_negative_counts(allowed, k, rng)
        assert np.all(counts[~allowed] == 0)
        expected = allowed.sum(1) if k == "all" else np.full(12, k)
        np.testing.assert_array_equal(counts.sum(1), expected)
    # Uniform over allowed windows: every allowed negative is drawn given enough samples.
    counts = sample_negative_counts(allowed, 400, rng)
    assert np.all(counts[allowed] > 0)
    # Without recording information only the window itself is excluded.
    assert np.array_equal(other_time_mask(None, None, 2.0, n=4), ~np.eye(4, dtype=bool))
    with pytest.raises(InvalidParameterError):
        sample_negative_counts(allowed, 0, rng)


# ---------------------------------------------------------------------- loss
def _loss(*args, **kw):
    from imuhar.methods.collossl import multiview_contrastive_loss

    return multiview_contrastive_loss(*args, **kw)


def test_loss_on_hand_computed_example():
    # B = 2 anchors in 2-D; one positive device, one negative device, one negative per anchor (the other window).
    f64 = torch.float64
    anchor = torch.tensor([[1.0, 0.0], [0.0, 2.0]], dtype=f64)
    positives = torch.tensor([[[1.0, 1.0], [0.0, 1.0]]], dtype=f64)  # cos: 1/sqrt2, 1
    negatives = torch.tensor([[[3.0, 0.0], [-1.0, 0.0]]], dtype=f64)  # anchor 0 vs window 1: cos -1; anchor 1 vs window 0: cos 0
    counts = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    tau, wp, wn = 0.5, 1.0, 0.5
    loss = _loss(anchor, positives, negatives, counts, positive_weights=[wp], negative_weights=[wn], temperature=tau)
    c = 1 / np.sqrt(2)
    l0 = np.log(wp * np.exp(c / tau) + wn * np.exp(-1 / tau)) - np.log(wp * np.exp(c / tau))
    l1 = np.log(wp * np.exp(1 / tau) + wn * np.exp(0 / tau)) - np.log(wp * np.exp(1 / tau))
    assert float(loss) == pytest.approx((l0 + l1) / 2, rel=1e-12)


def test_loss_with_two_positive_devices_and_counts():
    f64 = torch.float64
    anchor = torch.tensor([[1.0, 0.0]], dtype=f64)
    positives = torch.tensor([[[1.0, 0.0]], [[0.0, 1.0]]], dtype=f64)  # cos 1 and 0
    negatives = torch.tensor([[[-1.0, 0.0]]], dtype=f64)
    # a single window: count 2 of itself would be "same time", but counts are the caller's choice here
    counts = torch.tensor([[[2.0]]])
    loss = _loss(anchor, positives, negatives, counts, positive_weights=[1.0, 0.5], negative_weights=[1.0], temperature=1.0)
    pos = np.exp(1.0) + 0.5 * np.exp(0.0)
    assert float(loss) == pytest.approx(np.log(pos + 2 * np.exp(-1.0)) - np.log(pos), rel=1e-12)


def test_sign_more_similar_positives_lower_the_loss():
    g = torch.Generator().manual_seed(0)
    anchor = torch.randn(16, 8, generator=g)
    negatives = torch.randn(1, 16, 8, generator=g)
    noise = torch.randn(1, 16, 8, generator=g)
    counts = 1.0 - torch.eye(16)
    losses = []
    for mix in (0.0, 0.3, 0.6, 0.9, 1.0):  # positive = mix * anchor + (1 - mix) * noise
        pos = mix * anchor.unsqueeze(0) + (1 - mix) * noise
        losses.append(float(_loss(anchor, pos, negatives, counts, temperature=0.1)))
    assert all(b < a for a, b in zip(losses, losses[1:]))
    # and the gradient on the positives points towards the anchor (cosine grows under gradient descent)
    pos = noise.clone().requires_grad_(True)
    _loss(anchor, pos, negatives, counts, temperature=0.1).backward()
    stepped = (pos - 0.5 * pos.grad).detach()
    cos = lambda p: torch.nn.functional.cosine_similarity(p[0], anchor, dim=1).mean()  # noqa: E731
    assert float(cos(stepped)) > float(cos(noise))


def test_loss_ignores_zero_count_negatives_and_checks_shapes():
    anchor = torch.randn(4, 3)
    pos = torch.randn(1, 4, 3)
    neg = torch.randn(1, 4, 3)
    counts = torch.zeros(4, 4)
    counts[0, 1] = 1
    full = _loss(anchor, pos, neg, counts)
    # a huge similarity at a zero-count entry must not matter
    neg2 = neg.clone()
    neg2[0, 2] = anchor[0] * 10
    assert float(_loss(anchor, pos, neg2, counts)) == pytest.approx(float(full))
    assert float(_loss(anchor, pos, neg, torch.zeros(4, 4))) == 0.0
    with pytest.raises(ShapeMismatchError):
        _loss(anchor, pos[:, :3], neg, counts)
    with pytest.raises(InvalidParameterError):
        _loss(anchor, pos, neg, counts, temperature=0.0)


# ---------------------------------------------------------------------- methods end to end
def _two_device_windows(n_rec=6, per_rec=12, t=64, seed=0):
    """Watch (left_wrist) and phone (right_hip) windows; class c = a tone of (c + 1) Hz seen by both devices."""
    rng = np.random.default_rng(seed)
    n = n_rec * per_rec
    labels = rng.integers(0, 3, n)
    tt = np.arange(t) / 25.0
    tone = np.sin(2 * np.pi * (labels[:, None] + 1) * tt[None, :] + rng.uniform(0, 6.28, (n, 1)))
    x = np.zeros((n, 2, 6, t), dtype=np.float32)
    x[:, 0, 2] = 9.81 + 3 * tone
    x[:, 0, 3] = tone
    x[:, 1, 0] = 9.81 + 2 * tone
    x[:, 1, 5] = 0.5 * tone
    x += rng.normal(0, 0.1, x.shape).astype(np.float32)
    rec = np.repeat([f"r{i}" for i in range(n_rec)], per_rec)
    return Windows(
        x=x,
        node_mask=np.ones((n, 2), bool),
        labels=labels,
        subjects=np.repeat([f"s{i}" for i in range(n_rec)], per_rec),
        rate_hz=25.0,
        nodes=("left_wrist", "right_hip"),  # canonical order: hips/knees before wrists
        vocabulary=LabelVocabulary.from_names(["a", "b", "c"]),
        recording_ids=rec,
        start_s=np.tile(np.arange(per_rec) * 1.0, n_rec),
    )


def test_device_views_keeps_windows_with_every_device():
    w = _two_device_windows()
    mask = w.node_mask.copy()
    mask[3, 0] = False
    w = w._replace(node_mask=mask)
    x, names, kept = device_views(w)
    assert names == ("left_wrist", "right_hip")
    assert x.shape == (w.n_windows - 1, 2, 6, 64) and 3 not in kept
    with pytest.raises(InvalidParameterError, match="at least 2 devices"):
        device_views(w, ["left_wrist"])


def test_collossl_fit_predict_and_learns():
    from imuhar.methods.collossl import ColloSSL, SimCLRBaseline, SupervisedBaseline

    train = _two_device_windows(seed=0)
    test = _two_device_windows(n_rec=2, seed=1)
    test = test._replace(subjects=np.char.add("t", test.subjects))
    m = ColloSSL(anchor="left_wrist", epochs=6, batch_size=36, lr=3e-3, schedule="constant", temperature=0.1,
                 n_negative_samples="all", finetune_epochs=3, random_state=0)  # fmt: skip
    m.fit(train, verbose=False)
    hist = m.pretrain_history_
    assert hist["devices"] == ["left_wrist", "right_hip"] and hist["positives"] == {"right_hip": 2 * 6}
    assert hist["loss"][-1] < hist["loss"][0]  # the contrastive objective is being minimised
    proba = m.predict_proba(test)
    assert proba.shape == (test.n_windows, 3) and np.allclose(proba.sum(1), 1, atol=1e-5)
    assert m.embed(test).shape == (test.n_windows, 96)
    m.check_held_out(test)
    # The fine-tuned frozen blocks are the pretrained ones.
    for p_pre, p_ft in zip(m.encoder_.blocks[0].parameters(), m.model_.encoder.blocks[0].parameters()):
        assert torch.equal(p_pre, p_ft)
    for cls in (SimCLRBaseline, SupervisedBaseline):
        b = cls(**cls._test_params()).fit(_two_device_windows(n_rec=3, per_rec=8)._replace(nodes=("right_wrist", "right_hip")), verbose=False)
        assert b.predict(test._replace(nodes=("right_wrist", "right_hip"))).shape == (test.n_windows,)


def test_registry_encoder_projection_head_and_errors():
    from imuhar.methods.collossl import ColloSSL

    train = _two_device_windows(n_rec=4, per_rec=8)
    m = ColloSSL(anchor="left_wrist", encoder="cnn", freeze_blocks=0, projection_dim=16, epochs=1, batch_size=16,
                 finetune_epochs=1, strategy="closest_pos_all_neg")  # fmt: skip
    m.fit(train, verbose=False)
    assert m.predict_proba(train).shape == (train.n_windows, 3)
    with pytest.raises(InvalidParameterError, match="freeze_blocks"):
        ColloSSL(anchor="left_wrist", encoder="cnn", epochs=1, batch_size=16, finetune_epochs=1).fit(train, verbose=False)
    with pytest.raises(InvalidParameterError, match="needs 2 candidate devices"):
        ColloSSL(anchor="left_wrist", strategy="closest_pos_rest_neg", epochs=1).pretrain(train, verbose=False)
    with pytest.raises(InvalidParameterError, match="anchor"):
        ColloSSL(anchor="head", epochs=1).pretrain(train, verbose=False)


def test_unknown_recordings_only_exclude_the_window_itself():
    allowed = other_time_mask(np.array(["", "", "r", "r"]), np.zeros(4), 2.0)
    expected = ~np.eye(4, dtype=bool)
    expected[2, 3] = expected[3, 2] = False
    np.testing.assert_array_equal(allowed, expected)


@pytest.mark.parametrize("name", ["ColloSSL", "SimCLRBaseline", "SupervisedBaseline"])
def test_methods_run_on_fake_windows(name):
    import imuhar.methods.collossl as pkg
    from imuhar.testing import make_windows

    cls = getattr(pkg, name)
    w = make_windows(n_windows=24, n_subjects=4)
    m = cls(**cls._test_params()).fit(w, verbose=False)
    assert m.predict(w).shape == (24,)
    if name == "ColloSSL":
        assert m.pretrain_history_["loss"][0] > 0  # other-time negatives exist although recording ids are unknown


def test_released_code_sign_would_push_positives_apart():
    # keras CosineSimilarity returns -cos, and -cos(a, p) = cos(-a, p): the released loss equals ours with the
    # anchor negated. Under it, making positives more similar *raises* the loss; under ours it lowers it.
    g = torch.Generator().manual_seed(1)
    anchor, noise, neg = torch.randn(8, 4, generator=g), torch.randn(1, 8, 4, generator=g), torch.randn(1, 8, 4, generator=g)
    counts = 1.0 - torch.eye(8)
    far, near = noise, 0.9 * anchor.unsqueeze(0) + 0.1 * noise
    ours = [float(_loss(anchor, p, neg, counts, temperature=0.1)) for p in (far, near)]
    released = [float(_loss(-anchor, p, neg, counts, temperature=0.1)) for p in (far, near)]
    assert ours[1] < ours[0] and released[1] > released[0]


def test_label_fraction_is_stratified_and_skips_unlabelled():
    from imuhar.methods.collossl import label_fraction_indices

    labels = np.array([0] * 50 + [1] * 30 + [2] * 2 + [-1] * 10)
    idx = label_fraction_indices(labels, 0.1, np.random.default_rng(0))
    counts = np.bincount(labels[idx], minlength=3)
    np.testing.assert_array_equal(counts, [5, 3, 1])  # round(10 %), at least one of the rare class
    assert np.all(labels[idx] >= 0) and len(np.unique(idx)) == len(idx)
    assert len(label_fraction_indices(labels, 1.0, np.random.default_rng(0))) == 82
    with pytest.raises(InvalidParameterError):
        label_fraction_indices(labels, 0.0, np.random.default_rng(0))
