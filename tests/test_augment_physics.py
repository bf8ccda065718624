"""Physics of the augmentations: rotations are proper, uniform and shared by acc and gyro; warps keep time
monotone; noise has the requested spread; dropout never empties a window."""

from __future__ import annotations

import numpy as np
import pytest

from imuhar.augment import (
    Jitter,
    MagnitudeWarp,
    NodeDropout,
    RandomRotation,
    Scaling,
    TimeWarp,
    monotone_time_warp,
    random_rotation_matrices,
    rotate,
    time_warp,
)
from imuhar.core import Windows

CHANNELS = ("acc.x", "acc.y", "acc.z", "gyro.x", "gyro.y", "gyro.z")


def _batch(rng, w=6, n=4, t=64):
    """Acc around gravity plus motion, gyro correlated with acc so the acc-gyro angle is informative."""
    acc = rng.normal(size=(w, n, 3, t)) + np.array([0, 0, 9.81])[None, None, :, None]
    gyro = 0.3 * acc + rng.normal(size=(w, n, 3, t))
    return np.concatenate([acc, gyro], axis=2).astype(np.float32)


def _windows(rng, w=6, t=64, absent=("left_knee",)):
    nodes = ("pelvis", "left_knee", "head", "left_wrist", "right_wrist")
    x = _batch(rng, w, len(nodes), t)
    mask = np.ones((w, len(nodes)), dtype=bool)
    for name in absent:
        mask[:, nodes.index(name)] = False
    mask[0, 2] = False  # one more absent node in one window only
    x[~mask] = 0.0
    return Windows(
        x=x, node_mask=mask, labels=np.zeros(w, int), subjects=np.array(["s1"] * w), rate_hz=50.0, nodes=nodes
    )


def _norms(x):
    return np.linalg.norm(x[:, :, 0:3], axis=2), np.linalg.norm(x[:, :, 3:6], axis=2)


def _cos_angle(x):
    a, g = x[:, :, 0:3].astype(np.float64), x[:, :, 3:6].astype(np.float64)
    return (a * g).sum(2) / (np.linalg.norm(a, axis=2) * np.linalg.norm(g, axis=2))


# ------------------------------------------------------------------------------------------ rotations
def test_rotation_matrices_are_proper_and_uniform_on_so3():
    R = random_rotation_matrices((40000,), np.random.default_rng(1))
    np.testing.assert_allclose(np.einsum("nji,njk->nik", R, R), np.broadcast_to(np.eye(3), R.shape), atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(R), 1.0, atol=1e-12)
    # Haar measure on SO(3): E[R] = 0, E[tr R] = 0, E[(tr R)^2] = 1, and R e_z is uniform on the sphere
    # (second moment I/3). Euler angles drawn uniformly would fail the trace moments.
    se = 1.0 / np.sqrt(len(R))
    assert np.abs(R.mean(0)).max() < 5 * se
    tr = np.trace(R, axis1=1, axis2=2)
    assert abs(tr.mean()) < 5 * se * 1.0
    assert abs((tr**2).mean() - 1.0) < 5 * se * np.sqrt(2)
    v = R[:, :, 2]
    np.testing.assert_allclose(v.T @ v / len(v), np.eye(3) / 3, atol=5 * se)
    # rotation angle density (1 - cos θ)/π has mean π/2 + 2/π
    angle = np.arccos(np.clip((tr - 1) / 2, -1, 1))
    assert abs(angle.mean() - (np.pi / 2 + 2 / np.pi)) < 5 * se


def test_rotation_keeps_norms_and_acc_gyro_angle(rng):
    x = _batch(rng)
    y = RandomRotation()(x, rng=0)
    assert not np.allclose(x, y, atol=1e-2)
    for before, after in zip(_norms(x), _norms(y)):
        np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(_cos_angle(y), _cos_angle(x), atol=1e-5)


def test_rotation_turns_acc_and_gyro_by_the_same_matrix_of_that_node(rng):
    x = _batch(rng, w=3, n=2, t=16)
    t = RandomRotation()
    params = t.make_params(x, np.random.default_rng(5))
    y = t.apply(x, params)
    R = params["R"]
    assert R.shape == (3, 2, 3, 3)
    for w in range(3):
        for n in range(2):
            np.testing.assert_allclose(y[w, n, 0:3], R[w, n] @ x[w, n, 0:3], rtol=1e-5, atol=1e-4)
            np.testing.assert_allclose(y[w, n, 3:6], R[w, n] @ x[w, n, 3:6], rtol=1e-5, atol=1e-4)
    assert not np.allclose(R[:, 0], R[:, 1])  # independent per node by default


def test_rotation_shared_by_all_nodes_when_per_node_false(rng):
    x = _batch(rng, w=4, n=3)
    params = RandomRotation(per_node=False).make_params(x, np.random.default_rng(0))
    R = params["R"]
    np.testing.assert_array_equal(R[:, 0], R[:, 1])
    np.testing.assert_array_equal(R[:, 0], R[:, 2])
    assert not np.allclose(R[0, 0], R[1, 0])  # but differs between windows


def test_rotation_leaves_non_vector_channels_and_finds_any_family(rng):
    channels = ("temp", "mag.x", "mag.y", "mag.z", "acc.x", "acc.y", "acc.z")
    x = rng.normal(size=(2, 2, 7, 10)).astype(np.float32)
    t = RandomRotation(channels=channels)
    p = t.make_params(x, np.random.default_rng(0))
    assert p["triads"] == ((1, 2, 3), (4, 5, 6))
    y = t.apply(x, p)
    np.testing.assert_array_equal(y[:, :, 0], x[:, :, 0])
    np.testing.assert_allclose(np.linalg.norm(y[:, :, 1:4], axis=2), np.linalg.norm(x[:, :, 1:4], axis=2), rtol=1e-5)


def test_rotate_with_identity_is_identity(rng):
    x = _batch(rng, w=2, n=2)
    R = np.broadcast_to(np.eye(3), (2, 2, 3, 3))
    np.testing.assert_allclose(rotate(x, R, [(0, 1, 2), (3, 4, 5)]), x, atol=1e-6)


# ------------------------------------------------------------------------------------------ time warp
def test_time_warp_identity_params_are_identity(rng):
    x = _batch(rng, w=3, n=2, t=50)
    positions = np.tile(np.arange(50.0), (3, 1))
    np.testing.assert_array_equal(time_warp(x, positions), x)
    np.testing.assert_array_equal(monotone_time_warp(3, 50, rng, sigma=0.0, n_knots=4), positions)
    np.testing.assert_array_equal(TimeWarp(sigma=0.0)(x, rng=1), x)


def test_time_warp_is_monotone_keeps_ends_and_interpolates_linearly(rng):
    t = 200
    pos = monotone_time_warp(500, t, rng, sigma=0.5, n_knots=4)
    assert (np.diff(pos, axis=1) > 0).all()
    np.testing.assert_array_equal(pos[:, 0], 0.0)
    np.testing.assert_array_equal(pos[:, -1], t - 1)
    assert np.abs(pos - np.arange(t)).max() > 5  # it really warps
    # A clock signal (the sample index) read through the warp returns the warp itself: time stays monotone.
    ramp = np.broadcast_to(np.arange(t, dtype=np.float32), (500, 1, 1, t)).copy()
    out = TimeWarp(sigma=0.5).apply(ramp, {"positions": pos})
    np.testing.assert_allclose(out[:, 0, 0], pos, atol=1e-3)
    assert (np.diff(out, axis=-1) > 0).all()


def test_time_warp_same_warp_for_all_nodes_and_channels(rng):
    t = 80
    ramp = np.broadcast_to(np.arange(t, dtype=np.float32), (4, 3, 6, t)).copy()
    out = TimeWarp(sigma=0.4)(ramp, rng=2)
    np.testing.assert_allclose(out, np.broadcast_to(out[:, :1, :1], out.shape), atol=1e-6)


# ------------------------------------------------------------------------------------------ noise and gains
def test_jitter_statistics_match_sigma_per_family(rng):
    x = np.zeros((40, 3, 6, 500), dtype=np.float32)
    x[:, :, :, 0] = 1.0  # mark every node present
    y = Jitter(sigma={"acc": 0.5, "gyro": 0.02})(x, rng=3) - x
    noise = y[..., 1:]
    np.testing.assert_allclose(noise[:, :, :3].std(), 0.5, rtol=0.01)
    np.testing.assert_allclose(noise[:, :, 3:].std(), 0.02, rtol=0.01)
    assert abs(noise[:, :, :3].mean()) < 0.01
    # independent samples: lag-1 autocorrelation near zero
    a = noise[:, :, 0]
    assert abs((a[..., 1:] * a[..., :-1]).mean() / a.var()) < 0.01


def test_scaling_per_triad_keeps_direction_per_channel_does_not(rng):
    x = _batch(rng)
    unit = lambda v: v / np.linalg.norm(v, axis=2, keepdims=True)  # noqa: E731
    y = Scaling(sigma=0.3, mode="triad")(x, rng=0)
    np.testing.assert_allclose(unit(y[:, :, 0:3]), unit(x[:, :, 0:3]), atol=1e-5)
    np.testing.assert_allclose(unit(y[:, :, 3:6]), unit(x[:, :, 3:6]), atol=1e-5)
    ratio = y[:, :, 0:3] / x[:, :, 0:3]
    assert ratio.std() > 0.05  # really scaled
    z = Scaling(sigma=0.3, mode="channel")(x, rng=0)
    assert np.abs(unit(z[:, :, 0:3]) - unit(x[:, :, 0:3])).max() > 1e-2


def test_magnitude_warp_is_smooth_and_centred_on_one(rng):
    x = np.ones((200, 2, 6, 128), dtype=np.float32)
    t = MagnitudeWarp(sigma=0.2, n_knots=4)
    curves = t.apply(x, t.make_params(x, np.random.default_rng(0)))
    assert abs(curves.mean() - 1.0) < 0.01
    assert 0.1 < curves.std() < 0.3
    # smooth: per-sample changes are far below the spread of the curve
    assert np.abs(np.diff(curves, axis=-1)).max() < 0.2 * curves.std() * 4
    # triad mode keeps each vector's direction at every sample
    v = _batch(rng)
    w = MagnitudeWarp(sigma=0.3, mode="triad")(v, rng=1)
    np.testing.assert_allclose(np.cross(w[:, :, 0:3], v[:, :, 0:3], axis=2), 0, atol=1e-3)


# ------------------------------------------------------------------------------------------ dropout and masks
def test_node_dropout_never_drops_every_node(rng):
    x = _batch(rng, w=300, n=5, t=4)
    x[:, 4] = 0.0  # an absent node
    keep = NodeDropout(p=1.0).make_params(x, np.random.default_rng(0))["keep"]
    kept_present = keep[:, :4]
    np.testing.assert_array_equal(kept_present.sum(1), 1)  # p=1 keeps exactly one present node
    assert len(np.unique(kept_present.argmax(1))) == 4  # and which one is random
    keep = NodeDropout(p=0.3).make_params(x, np.random.default_rng(1))["keep"][:, :4]
    assert (keep.sum(1) >= 1).all()
    assert abs((1 - keep.mean()) - 0.3) < 0.05


def test_node_dropout_updates_windows_mask_and_zeroes_data(rng):
    win = _windows(rng, w=50)
    out = NodeDropout(p=0.6)(win, rng=4)
    assert (out.node_mask <= win.node_mask).all()
    assert (out.node_mask.sum(1) >= 1).all()
    assert (out.node_mask != win.node_mask).any()
    np.testing.assert_array_equal(out.x[~out.node_mask], 0.0)
    np.testing.assert_array_equal(out.x[out.node_mask], win.x[out.node_mask])
    assert out.metadata["provenance"][-1]["step"] == "augment.node_dropout"


@pytest.mark.parametrize(
    "transform",
    [
        RandomRotation(),
        RandomRotation(per_node=False),
        Jitter(sigma=0.1),
        Scaling(),
        Scaling(mode="triad"),
        MagnitudeWarp(),
        TimeWarp(),
        NodeDropout(p=0.5),
    ],
    ids=repr,
)
def test_masked_nodes_stay_zero(transform, rng):
    win = _windows(rng)
    out = transform(win, rng=0)
    assert isinstance(out, Windows)
    np.testing.assert_array_equal(out.x[~win.node_mask], 0.0)
    # raw arrays: all-zero nodes count as absent
    raw = transform(win.x, rng=0)
    np.testing.assert_array_equal(raw[~win.node_mask], 0.0)


def test_rotate_broadcasts_one_matrix_over_nodes_and_short_windows_work(rng):
    x = _batch(rng, w=3, n=4, t=5)
    R = random_rotation_matrices((3, 1), rng)
    np.testing.assert_allclose(
        rotate(x, R, [(0, 1, 2), (3, 4, 5)]), rotate(x, np.repeat(R, 4, axis=1), [(0, 1, 2), (3, 4, 5)]), atol=1e-6
    )
    for t in (1, 2):
        short = _batch(rng, w=2, n=2, t=t)
        for transform in (TimeWarp(sigma=0.5), MagnitudeWarp(), RandomRotation()):
            assert transform(short, rng=0).shape == short.shape
        np.testing.assert_array_equal(TimeWarp(sigma=0.5)(short, rng=0), short)  # ends are fixed
