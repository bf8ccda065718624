"""Physics of the virtual IMU on motions with known answers (constructed, no files)."""

from __future__ import annotations

import numpy as np
import pytest

from imuhar.core import InvalidParameterError, InvalidRateError, Recording, UnknownPlacementError
from imuhar.simulate import (
    NOISE_PRESETS,
    SkeletonMotion,
    apply_sensor_model,
    simulate_imu,
    simulate_signals,
)
from imuhar.simulate._rotation import (
    align_vectors,
    euler_to_matrix,
    matrix_to_quat,
    quat_to_matrix,
    so3_exp,
    so3_log,
)

G = 9.81


def rigid_motion(positions: np.ndarray, rotations: np.ndarray, rate_hz: float) -> SkeletonMotion:
    """A one-segment 'skeleton' whose only joint is the pelvis."""
    return SkeletonMotion(positions[:, None], rotations[:, None], rate_hz, ("pelvis",), (-1,), source="test")


def spin_z(omega: float, t: np.ndarray) -> np.ndarray:
    return so3_exp(np.stack([np.zeros_like(t), np.zeros_like(t), omega * t], axis=1))


# ----------------------------------------------------------------------------------------------- rotations
def test_so3_exp_log_and_quaternion_round_trips(rng):
    rv = rng.normal(size=(200, 3))
    rv *= (rng.uniform(0, np.pi - 1e-3, 200) / np.linalg.norm(rv, axis=1))[:, None]
    r = so3_exp(rv)
    np.testing.assert_allclose(r @ np.swapaxes(r, -1, -2), np.broadcast_to(np.eye(3), r.shape), atol=1e-12)
    np.testing.assert_allclose(so3_log(r), rv, atol=1e-9)
    np.testing.assert_allclose(quat_to_matrix(matrix_to_quat(r)), r, atol=1e-12)
    tiny = so3_exp(np.array([[1e-10, 0, 0]]))
    np.testing.assert_allclose(so3_log(tiny), [[1e-10, 0, 0]], atol=1e-16)


def test_euler_channel_order_is_intrinsic_in_listed_order():
    ang = np.array([[30.0, 40.0, 50.0]])
    expected = so3_exp(np.array([0, 0, np.deg2rad(30)])) @ so3_exp(np.array([np.deg2rad(40), 0, 0])) @ so3_exp(
        np.array([0, np.deg2rad(50), 0])
    )
    np.testing.assert_allclose(euler_to_matrix(ang, "ZXY")[0], expected, atol=1e-12)


def test_align_vectors_takes_a_onto_b_including_opposite(rng):
    a = rng.normal(size=(50, 3))
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    b = rng.normal(size=(50, 3))
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    b[0] = -a[0]
    r = align_vectors(a, b)
    np.testing.assert_allclose(np.einsum("nij,nj->ni", r, a), b, atol=1e-9)
    np.testing.assert_allclose(np.linalg.det(r), 1.0, atol=1e-9)


# ----------------------------------------------------------------------------------------------- physics
def test_still_body_reads_plus_g_upward_and_zero_gyro():
    t = np.arange(100) / 50.0
    rec = simulate_imu(rigid_motion(np.tile([0.3, -1.0, 0.9], (100, 1)), np.tile(np.eye(3), (100, 1, 1)), 50.0), ["pelvis"])
    assert isinstance(rec, Recording) and rec.placements == ("pelvis",)
    acc, gyro = np.asarray(rec.acc["pelvis"]), np.asarray(rec.gyro["pelvis"])
    np.testing.assert_allclose(acc, np.tile([0.0, 0.0, G], (len(t), 1)), atol=1e-9)  # +g along the sensor's up axis
    np.testing.assert_allclose(np.linalg.norm(acc, axis=1), G, atol=1e-9)
    np.testing.assert_allclose(gyro, 0.0, atol=1e-12)


def test_still_tilted_sensor_reads_gravity_in_its_own_frame():
    r = so3_exp(np.array([0.4, -0.7, 0.2]))
    sig = simulate_signals(rigid_motion(np.zeros((40, 3)), np.tile(r, (40, 1, 1)), 20.0), ["pelvis"])
    np.testing.assert_allclose(sig.acc[:, 0], np.tile(r.T @ [0, 0, G], (40, 1)), atol=1e-9)


@pytest.mark.parametrize("omega", [0.5, 3.0, -7.0])
def test_constant_spin_about_vertical_reads_that_rate(omega):
    fs = 100.0
    t = np.arange(300) / fs
    sig = simulate_signals(rigid_motion(np.zeros((300, 3)), spin_z(omega, t), fs), ["pelvis"])
    np.testing.assert_allclose(sig.gyro[:, 0], np.tile([0.0, 0.0, omega], (300, 1)), atol=1e-6)
    np.testing.assert_allclose(sig.acc[:, 0], np.tile([0.0, 0.0, G], (300, 1)), atol=1e-6)


def test_spin_about_tilted_axis_reads_rate_in_sensor_frame():
    fs, w = 60.0, np.array([1.0, -2.0, 0.5])
    t = np.arange(240) / fs
    r0 = so3_exp(np.array([0.3, 0.2, -0.1]))
    rot = r0 @ so3_exp(t[:, None] * w)  # body-frame angular velocity w
    sig = simulate_signals(rigid_motion(np.zeros((240, 3)), rot, fs), ["pelvis"], cutoff_hz=None)
    np.testing.assert_allclose(sig.gyro[:, 0], np.tile(w, (240, 1)), atol=1e-9)


@pytest.mark.parametrize("cutoff", [None, "auto"])
def test_uniform_circular_motion_reads_centripetal_acceleration(cutoff):
    fs, omega, radius = 200.0, 2 * np.pi * 1.0, 0.5
    t = np.arange(1000) / fs
    pos = np.stack([radius * np.cos(omega * t), radius * np.sin(omega * t), np.full_like(t, 1.0)], axis=1)
    sig = simulate_signals(rigid_motion(pos, np.tile(np.eye(3), (len(t), 1, 1)), fs), ["pelvis"], cutoff_hz=cutoff)
    inner = slice(50, -50)
    acc = sig.acc[inner, 0]
    horizontal = acc[:, :2]
    np.testing.assert_allclose(np.linalg.norm(horizontal, axis=1), omega**2 * radius, rtol=2e-3)
    # points to the centre: opposite the position
    cosang = np.sum(horizontal * -pos[inner, :2], axis=1) / (np.linalg.norm(horizontal, axis=1) * radius)
    assert np.all(cosang > 0.9999)
    np.testing.assert_allclose(acc[:, 2], G, atol=1e-6)


def test_sensor_on_spinning_segment_with_lever_arm_reads_centripetal_along_arm():
    fs, omega, arm = 100.0, 4.0, 0.3
    t = np.arange(400) / fs
    motion = rigid_motion(np.zeros((400, 3)), spin_z(omega, t), fs)
    sig = simulate_signals(motion, ["pelvis"], lever_arm=[arm, 0.0, 0.0])
    inner = sig.acc[40:-40, 0]
    # in the rotating sensor frame the centripetal acceleration points back to the axis: -omega^2 r along x
    np.testing.assert_allclose(inner, np.tile([-(omega**2) * arm, 0.0, G], (len(inner), 1)), atol=2e-2)
    np.testing.assert_allclose(sig.gyro[40:-40, 0], np.tile([0, 0, omega], (len(inner), 1)), atol=1e-6)


@pytest.mark.parametrize("cutoff", [None, "auto"])
def test_free_fall_reads_zero(cutoff):
    fs = 100.0
    t = np.arange(150) / fs
    pos = np.stack([0.2 * t, -0.1 * t, 10.0 + 1.0 * t - 0.5 * G * t**2], axis=1)
    rot = so3_exp(t[:, None] * np.array([0.0, 1.5, 0.0]))  # tumbling does not matter at the centre of mass
    sig = simulate_signals(rigid_motion(pos, rot, fs), ["pelvis"], cutoff_hz=cutoff)
    edge = 1 if cutoff is None else 20
    np.testing.assert_allclose(sig.acc[edge:-edge, 0], 0.0, atol=1e-6)


def test_known_mounting_rotation_reads_the_rotated_vector():
    fs, omega = 50.0, 2.0
    t = np.arange(200) / fs
    mount = so3_exp(np.array([0.0, np.pi / 2, 0.0]))  # sensor x axis points down the segment's z
    motion = rigid_motion(np.zeros((200, 3)), spin_z(omega, t), fs)
    sig = simulate_signals(motion, ["pelvis"], mounting=mount)
    np.testing.assert_allclose(sig.acc[:, 0], np.tile(mount.T @ [0, 0, G], (200, 1)), atol=1e-6)
    np.testing.assert_allclose(sig.gyro[:, 0], np.tile(mount.T @ [0, 0, omega], (200, 1)), atol=1e-6)
    np.testing.assert_allclose(sig.acc[0, 0], [-G, 0.0, 0.0], atol=1e-6)  # gravity now along -x of the sensor
    # per-node mounting given as a rotation vector does the same
    sig2 = simulate_signals(motion, ["pelvis"], mounting={"waist": [0.0, np.pi / 2, 0.0]})
    np.testing.assert_allclose(sig2.acc, sig.acc, atol=1e-9)


def test_resampling_to_another_rate_keeps_the_physics():
    fs, omega = 30.0, 1.3
    t = np.arange(90) / fs
    motion = rigid_motion(np.zeros((90, 3)), spin_z(omega, t), fs)
    sig = simulate_signals(motion, ["pelvis"], rate_hz=100.0)
    assert sig.rate_hz == 100.0 and sig.acc.shape == (int(np.floor(89 / 30 * 100)) + 1, 1, 3)
    np.testing.assert_allclose(sig.gyro[:, 0, 2], omega, atol=1e-6)
    down = simulate_signals(motion, ["pelvis"], rate_hz=7.5)
    assert down.acc.shape[0] == int(np.floor(89 / 30 * 7.5)) + 1
    np.testing.assert_allclose(down.gyro[:, 0, 2], omega, atol=1e-6)


def test_sinusoidal_motion_acceleration_amplitude():
    fs, f, amp = 120.0, 1.5, 0.05
    t = np.arange(600) / fs
    pos = np.stack([amp * np.sin(2 * np.pi * f * t), np.zeros_like(t), np.ones_like(t)], axis=1)
    sig = simulate_signals(rigid_motion(pos, np.tile(np.eye(3), (600, 1, 1)), fs), ["pelvis"])
    expected = -amp * (2 * np.pi * f) ** 2 * np.sin(2 * np.pi * f * t)
    np.testing.assert_allclose(sig.acc[60:-60, 0, 0], expected[60:-60], atol=0.01 * amp * (2 * np.pi * f) ** 2)


# ----------------------------------------------------------------------------------------------- errors
def test_unknown_placement_and_unreachable_rates_raise_typed_errors():
    motion = rigid_motion(np.zeros((20, 3)), np.tile(np.eye(3), (20, 1, 1)), 20.0)
    with pytest.raises(UnknownPlacementError, match="left_pinky"):
        simulate_signals(motion, ["left_pinky"])
    with pytest.raises(InvalidParameterError, match="right_wrist"):
        simulate_signals(motion, ["right_wrist"])  # a valid node the one-joint rig cannot carry
    with pytest.raises(InvalidRateError, match="rate_hz"):
        simulate_signals(motion, ["pelvis"], rate_hz=1000.0)
    with pytest.raises(InvalidRateError, match="rate_hz"):
        simulate_signals(motion, ["pelvis"], rate_hz=-5)
    with pytest.raises(InvalidRateError, match="fewer than 2 samples"):
        simulate_signals(motion, ["pelvis"], rate_hz=0.5)
    with pytest.raises(InvalidParameterError, match="cutoff_hz"):
        simulate_signals(motion, ["pelvis"], cutoff_hz=15.0)
    with pytest.raises(InvalidParameterError, match="mounting"):
        simulate_signals(motion, ["pelvis"], mounting=np.ones((3, 3)))
    with pytest.raises(InvalidRateError, match="4 frames"):
        simulate_signals(rigid_motion(np.zeros((3, 3)), np.tile(np.eye(3), (3, 1, 1)), 20.0), ["pelvis"])


def test_nan_positions_are_rejected_naming_the_frame():
    pos = np.zeros((10, 3))
    pos[4, 1] = np.nan
    with pytest.raises(ValueError, match="frame 4"):
        rigid_motion(pos, np.tile(np.eye(3), (10, 1, 1)), 20.0)


# ----------------------------------------------------------------------------------------------- noise
def test_noise_presets_seeded_and_of_the_stated_size():
    acc = np.tile([0.0, 0.0, G], (20000, 2, 1))
    gyro = np.zeros((20000, 2, 3))
    a0, g0 = apply_sensor_model(acc, gyro, 100.0, "ideal", seed=1)
    assert a0 is acc and g0 is gyro
    a1, g1 = apply_sensor_model(acc, gyro, 100.0, "research_imu", seed=1)
    a2, _ = apply_sensor_model(acc, gyro, 100.0, "research_imu", seed=1)
    a3, _ = apply_sensor_model(acc, gyro, 100.0, "research_imu", seed=2)
    np.testing.assert_array_equal(a1, a2)
    assert not np.array_equal(a1, a3)
    model = NOISE_PRESETS["research_imu"]
    white = np.diff(a1[:, 0, 0]).std() / np.sqrt(2)  # differencing removes the bias, leaves white noise (+tiny walk)
    assert white == pytest.approx(model.acc.noise_density * np.sqrt(50.0), rel=0.1)
    # quantized to the LSB
    lsb = model.acc.resolution
    np.testing.assert_allclose(a1 / lsb, np.round(a1 / lsb), atol=1e-6)
    # phone bias makes the mean differ between devices
    a4, _ = apply_sensor_model(acc, gyro, 100.0, "consumer_phone", seed=0)
    assert np.abs(a4.mean(0)[0] - a4.mean(0)[1]).max() > 1e-3
    # range clipping
    big = np.full((10, 1, 3), 1000.0)
    clipped, _ = apply_sensor_model(big, np.zeros_like(big), 100.0, "consumer_phone", seed=0)
    assert np.abs(clipped).max() <= NOISE_PRESETS["consumer_phone"].acc.range + 1e-9
    with pytest.raises(InvalidParameterError, match="noise"):
        apply_sensor_model(acc, gyro, 100.0, "military_grade")


def test_simulate_imu_noise_is_reproducible_and_recorded_in_provenance():
    t = np.arange(100) / 50.0
    motion = rigid_motion(np.zeros((100, 3)), spin_z(1.0, t), 50.0)
    r1 = simulate_imu(motion, ["waist"], noise="consumer_phone", seed=3)
    r2 = simulate_imu(motion, ["waist"], noise="consumer_phone", seed=3)
    np.testing.assert_array_equal(r1.acc["pelvis"], r2.acc["pelvis"])
    step = r1.provenance[0]
    assert step["step"] == "simulate_imu" and step["noise"] == "consumer_phone" and step["seed"] == 3


# ----------------------------------------------------------------------------------------------- batching
def _random_motion(rng, n: int, fs: float) -> SkeletonMotion:
    t = np.arange(n) / fs
    pos = np.cumsum(rng.normal(0, 0.01, (n, 3)), axis=0) + [0, 0, 1.0]
    rot = so3_exp(np.cumsum(rng.normal(0, 0.05, (n, 3)), axis=0))
    del t
    return rigid_motion(pos, rot, fs)


def test_batched_filter_equals_scipy_sosfiltfilt(rng):
    from scipy.signal import butter, sosfiltfilt

    m = _random_motion(rng, 200, 60.0)
    raw = simulate_signals(m, ["pelvis"], cutoff_hz=None)
    smooth = simulate_signals(m, ["pelvis"], cutoff_hz=5.0)
    sos = butter(4, 5.0 / 30.0, output="sos")
    np.testing.assert_allclose(smooth.acc, sosfiltfilt(sos, raw.acc, axis=0), atol=1e-10)
    np.testing.assert_allclose(smooth.gyro, sosfiltfilt(sos, raw.gyro, axis=0), atol=1e-10)


def test_simulate_many_equals_one_take_at_a_time(rng):
    from imuhar.simulate import simulate_many

    motions = [_random_motion(rng, n, 50.0) for n in (7, 40, 41, 300, 90)] + [_random_motion(rng, 80, 30.0)]
    batch = simulate_many(motions, ["pelvis"], rate_hz=40.0, noise="research_imu", seed=5)
    for k, (m, b) in enumerate(zip(motions, batch)):
        one = simulate_signals(m, ["pelvis"], rate_hz=40.0, noise="research_imu", seed=5 + k)
        np.testing.assert_allclose(b.acc, one.acc, atol=1e-9)
        np.testing.assert_allclose(b.gyro, one.gyro, atol=1e-9)
        assert b.params["motion_rate_hz"] == m.rate_hz
    assert simulate_many([], ["pelvis"]) == []
    from imuhar.simulate import simulate_recordings

    recs = simulate_recordings(motions[:2], ["waist"], rate_hz=40.0, subjects=["s1", "s2"])
    assert [r.subject for r in recs] == ["s1", "s2"] and all(isinstance(r, Recording) for r in recs)
    np.testing.assert_allclose(recs[1].acc["pelvis"], simulate_signals(motions[1], ["pelvis"], rate_hz=40.0).acc[:, 0])
