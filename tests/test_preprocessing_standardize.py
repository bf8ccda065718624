"""Standardizer: statistics from training subjects only, masks respected, leakage refused."""

import numpy as np
import pytest

from imuhar.core import ChannelMismatchError, InvalidParameterError, LabelVocabulary, NotFittedError, SplitLeakageError, Windows
from imuhar.preprocessing import Standardizer


def make_windows(rng, subjects=("a", "b", "c"), per_subject=20, n_nodes=2, t=16):
    w = len(subjects) * per_subject
    x = rng.normal(size=(w, n_nodes, 6, t)).astype(np.float32)
    x[:, :, :3] += np.float32(9.81)  # an acc offset, like gravity
    x[:, :, 3:] *= np.float32(0.2)
    subj = np.repeat(list(subjects), per_subject)
    return Windows(
        x=x,
        node_mask=np.ones((w, n_nodes), bool),
        labels=np.zeros(w, int),
        subjects=subj,
        rate_hz=50.0,
        nodes=("pelvis", "right_wrist")[:n_nodes],
        vocabulary=LabelVocabulary.from_names(["walk"]),
    )


def test_fit_on_train_subjects_never_sees_test_subjects(rng):
    w = make_windows(rng)
    s = Standardizer().fit(w, subjects=["a", "b"])
    assert s.fitted_subjects_ == ("a", "b") and s.n_windows_seen_ == 40
    # Change the test subject's data drastically: the statistics must not move at all.
    x2 = w.x.copy()
    x2[w.subjects == "c"] = x2[w.subjects == "c"] * 100 + 55
    s2 = Standardizer().fit(w._replace(x=x2), subjects=["a", "b"])
    np.testing.assert_array_equal(s.mean_, s2.mean_)
    np.testing.assert_array_equal(s.scale_, s2.scale_)
    # ... and they equal the statistics of the training windows alone.
    train = w.x[np.isin(w.subjects, ["a", "b"])].astype(np.float64)
    vals = train.transpose(2, 0, 1, 3).reshape(6, -1)
    np.testing.assert_allclose(s.mean_, vals.mean(axis=1), rtol=1e-10)
    np.testing.assert_allclose(s.scale_, vals.std(axis=1), rtol=1e-8)


def test_declared_test_subjects_cannot_be_fitted_or_leak(rng):
    w = make_windows(rng)
    with pytest.raises(SplitLeakageError, match=r"\['c'\]"):
        Standardizer().fit(w, check_disjoint=["c"])  # fitting on everyone while c is declared test
    refused = Standardizer()
    with pytest.raises(SplitLeakageError):
        refused.fit(w, subjects=["a", "c"], check_disjoint={"c"})
    assert not hasattr(refused, "mean_")  # a refused fit stores nothing
    s = Standardizer().fit(w, subjects=["a", "b"], check_disjoint=["c"])
    test = w.of_subjects(["c"])
    out = s.transform(test, check_disjoint=True)
    assert out.metadata["provenance"][-1]["fitted_subjects"] == ["a", "b"]
    with pytest.raises(SplitLeakageError, match="declared test subjects"):
        s.transform(w.of_subjects(["b"]), check_disjoint=True)
    with pytest.raises(SplitLeakageError):
        s.transform(test, check_disjoint=["b", "z"])


def test_transform_standardizes_and_inverse_restores(rng):
    w = make_windows(rng)
    s = Standardizer()
    z = s.fit_transform(w)
    flat = z.x.transpose(2, 0, 1, 3).reshape(6, -1)
    np.testing.assert_allclose(flat.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(flat.std(axis=1), 1, atol=1e-4)
    back = s.inverse_transform(z)
    np.testing.assert_allclose(back.x, w.x, atol=1e-4)
    assert z.x.dtype == np.float32 and [p["step"] for p in back.metadata["provenance"]][-2:] == ["standardize", "inverse_standardize"]


def test_masked_nodes_and_channels_do_not_leak_into_statistics(rng):
    w = make_windows(rng, n_nodes=2)
    node_mask = w.node_mask.copy()
    node_mask[:30, 1] = False  # first 30 windows lack the wrist sensor
    x = w.x.copy()
    x[:30, 1] = 0.0
    cmask = np.ones((w.n_windows, 6), bool)
    cmask[30:, 3:] = False  # later windows come from an acc-only source
    x[30:, :, 3:] = 0.0
    masked = w._replace(x=x, node_mask=node_mask, channel_mask=cmask)
    s = Standardizer().fit(masked)
    acc_vals = np.concatenate([x[:30, 0, :3], x[30:, :, :3].reshape(-1, 3, x.shape[-1])], axis=0)
    gyro_vals = x[:30, 0, 3:]
    expected_mean = np.concatenate([acc_vals.astype(np.float64).mean(axis=(0, 2)), gyro_vals.astype(np.float64).mean(axis=(0, 2))])
    np.testing.assert_allclose(s.mean_, expected_mean, rtol=1e-9)
    assert s.mean_[:3] == pytest.approx([9.81] * 3, abs=0.05)  # zeros of absent sensors would pull this down
    z = s.transform(masked)
    assert (z.x[:30, 1] == 0).all() and (z.x[30:, :, 3:] == 0).all()
    assert (s.inverse_transform(z).x[:30, 1] == 0).all()
    assert (z.node_mask == node_mask).all() and (z.channel_mask == cmask).all()


def test_per_node_statistics(rng):
    w = make_windows(rng)
    x = w.x.copy()
    x[:, 1] += 3.0
    s = Standardizer(per_node=True).fit(w._replace(x=x))
    assert s.mean_.shape == (2, 6)
    np.testing.assert_allclose(s.mean_[1] - s.mean_[0], 3.0, atol=0.1)
    with pytest.raises(ChannelMismatchError, match="per-node"):
        s.transform(w.select_nodes(["pelvis"]))


def test_estimator_conventions_and_errors(rng):
    s = Standardizer(per_node=True, eps=1e-6)
    assert s.get_params() == {"per_node": True, "with_mean": True, "with_std": True, "eps": 1e-6}
    assert s.set_params(per_node=False).per_node is False
    assert not any(k.endswith("_") for k in vars(s))  # __init__ only stores
    with pytest.raises(InvalidParameterError, match="no parameter"):
        s.set_params(bogus=1)
    w = make_windows(rng)
    with pytest.raises(NotFittedError):
        s.transform(w)
    s.fit(w)
    three = w._replace(x=w.x[:, :, :3], channels=("acc.x", "acc.y", "acc.z"), channel_mask=None)
    with pytest.raises(ChannelMismatchError, match="channels"):
        s.transform(three)
    with pytest.raises(InvalidParameterError, match="Windows batch"):
        s.fit(w.x)
    with pytest.raises(InvalidParameterError, match="no windows"):
        Standardizer().fit(w, subjects=["nobody"])
    const = w._replace(x=np.ones_like(w.x))
    z = Standardizer().fit_transform(const)
    assert np.isfinite(z.x).all() and (z.x == 0).all()  # constant channels are centred, not divided by 0
