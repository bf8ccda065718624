"""The vectorized BVH -> kinematics -> IMU path against straightforward per-frame, per-joint references.

Every optimization of the reader (hierarchy memo, row parser, Euler -> quaternion per channel group, forward
kinematics per tree level), of ``SkeletonMotion.resample`` (weighted-gather Catmull-Rom, nlerp) and of the
simulator (node gather, quaternion differentiation) must reproduce these loops to float precision.
"""

from __future__ import annotations

import numpy as np
import pytest

from imuhar.core import DataFormatError
from imuhar.simulate import SkeletonMotion, parse_bvh, resolve_mapping, simulate_signals
from imuhar.simulate._motion import catmull_rom
from imuhar.simulate._rotation import axis_rotation, so3_exp, so3_log

# Rotation orders of every kind, position channels on non-root joints (all three, one, interleaved with the
# rotations), a joint with two rotation channels, one with a single channel, one with none, end sites.
_HIER = """HIERARCHY
ROOT Root
{
  OFFSET 1 2 3
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT Spine
  {
    OFFSET 0 20 0
    CHANNELS 3 Xrotation Yrotation Zrotation
    JOINT Chest
    {
      OFFSET 0 25 2
      CHANNELS 6 Yrotation Zposition Xrotation Xposition Zrotation Yposition
      JOINT Head
      {
        OFFSET 0 15 0
        CHANNELS 2 Yrotation Xrotation
        End Site
        {
          OFFSET 0 12 0
        }
      }
      JOINT ArmL
      {
        OFFSET 15 5 0
        CHANNELS 3 Yrotation Zrotation Xrotation
        JOINT HandL
        {
          OFFSET 28 0 0
          CHANNELS 1 Zrotation
          End Site
          {
            OFFSET 8 0 0
          }
        }
      }
      JOINT ArmR
      {
        OFFSET -15 5 0
        CHANNELS 4 Zposition Zrotation Yrotation Xrotation
        JOINT HandR
        {
          OFFSET -28 0 0
          End Site
          {
            OFFSET -8 0 0
          }
        }
      }
    }
  }
  JOINT Leg
  {
    OFFSET 10 -8 0
    CHANNELS 3 Yrotation Xrotation Zrotation
    JOINT Shin
    {
      OFFSET 0 -45 0
      CHANNELS 3 Xrotation Zrotation Yrotation
      End Site
      {
        OFFSET 0 -45 5
      }
    }
  }
}
"""

# (name, parent, offset, channels) as the hierarchy above lists them, end sites included
_JOINTS = [
    ("Root", -1, (1, 2, 3), "Xposition Yposition Zposition Zrotation Xrotation Yrotation"),
    ("Spine", 0, (0, 20, 0), "Xrotation Yrotation Zrotation"),
    ("Chest", 1, (0, 25, 2), "Yrotation Zposition Xrotation Xposition Zrotation Yposition"),
    ("Head", 2, (0, 15, 0), "Yrotation Xrotation"),
    ("Head_end", 3, (0, 12, 0), ""),
    ("ArmL", 2, (15, 5, 0), "Yrotation Zrotation Xrotation"),
    ("HandL", 5, (28, 0, 0), "Zrotation"),
    ("HandL_end", 6, (8, 0, 0), ""),
    ("ArmR", 2, (-15, 5, 0), "Zposition Zrotation Yrotation Xrotation"),
    ("HandR", 8, (-28, 0, 0), ""),
    ("HandR_end", 9, (-8, 0, 0), ""),
    ("Leg", 0, (10, -8, 0), "Yrotation Xrotation Zrotation"),
    ("Shin", 11, (0, -45, 0), "Xrotation Zrotation Yrotation"),
    ("Shin_end", 12, (0, -45, 5), ""),
]
_N_CH = sum(len(c.split()) for *_, c in _JOINTS)


def _frames(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random frames: any angle in (-180, 180) degrees, positions of a few tens of centimetres."""
    cols = []
    for *_, chans in _JOINTS:
        for c in chans.split():
            cols.append(rng.uniform(-180, 180, n) if c.endswith("rotation") else rng.uniform(-30, 30, n))
    out = np.stack(cols, 1) if cols else np.zeros((n, 0))
    out[:, 1] += 95.0  # the root stands
    return out


def _text(frames: np.ndarray, rate_hz: float = 60.0, per_line: int | None = None) -> str:
    rows = []
    for f in frames:
        vals = [repr(float(v)) for v in f]  # exact round trip
        if per_line is None:
            rows.append(" ".join(vals))
        else:  # a frame wrapped over several lines
            rows.extend(" ".join(vals[i : i + per_line]) for i in range(0, len(vals), per_line))
    return _HIER + f"MOTION\nFrames: {len(frames)}\nFrame Time: {1 / rate_hz:.10f}\n" + "\n".join(rows) + "\n"


def _reference_fk(frames: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Global z-up positions (T, J, 3) and rotation matrices (T, J, 3, 3): one frame and one joint at a time."""
    c = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])  # y-up -> z-up
    n, n_j = len(frames), len(_JOINTS)
    pos = np.zeros((n, n_j, 3))
    rot = np.zeros((n, n_j, 3, 3))
    for t in range(n):
        col = 0
        for j, (_, parent, offset, chans) in enumerate(_JOINTS):
            trans = np.array(offset, dtype=float)
            r_local = np.eye(3)
            for ch in chans.split():
                v = frames[t, col]
                col += 1
                axis = "XYZ".index(ch[0])
                if ch.endswith("position"):
                    trans[axis] = v
                else:  # listed order, intrinsic: R = R_1 @ R_2 @ ...
                    r_local = r_local @ axis_rotation(axis, np.deg2rad(v))
            trans = trans * scale
            if parent < 0:
                rot[t, j], pos[t, j] = r_local, trans
            else:
                rot[t, j] = rot[t, parent] @ r_local
                pos[t, j] = pos[t, parent] + rot[t, parent] @ trans
    return pos @ c.T, c @ rot


def test_bvh_fast_path_matches_per_frame_forward_kinematics(rng):
    frames = _frames(rng, 23)
    ref_pos, ref_rot = _reference_fk(frames, 0.01)
    m = parse_bvh(_text(frames), unit="cm", include_end_sites=True)
    assert m.joint_names == tuple(j[0] for j in _JOINTS)
    assert m.metadata["unit"] == "cm"
    np.testing.assert_allclose(m.positions, ref_pos, rtol=0, atol=1e-12)
    np.testing.assert_allclose(m.rotations, ref_rot, rtol=0, atol=1e-12)
    # without end sites: the same joints, the end sites left out
    m2 = parse_bvh(_text(frames), unit="cm")
    keep = [j for j, (name, *_) in enumerate(_JOINTS) if not name.endswith("_end")]
    assert m2.joint_names == tuple(_JOINTS[j][0] for j in keep)
    np.testing.assert_allclose(m2.positions, ref_pos[:, keep], rtol=0, atol=1e-12)
    np.testing.assert_allclose(m2.quaternions, m.quaternions[:, keep], rtol=0, atol=1e-15)


def test_bvh_frames_wrapped_over_lines_and_hierarchy_memo(rng):
    frames = _frames(rng, 9)
    one_line = parse_bvh(_text(frames), unit="cm")
    wrapped = parse_bvh(_text(frames, per_line=7), unit="cm")  # the flat-parse fallback
    np.testing.assert_allclose(wrapped.positions, one_line.positions, rtol=0, atol=0)
    # the same hierarchy again (memoized) with other motion and rate gives that motion, not the first one
    other = _frames(rng, 12)
    m = parse_bvh(_text(other, rate_hz=30.0), unit="cm", include_end_sites=True)
    assert m.n_frames == 12 and m.rate_hz == pytest.approx(30.0)
    np.testing.assert_allclose(m.positions, _reference_fk(other, 0.01)[0], rtol=0, atol=1e-12)
    # Windows line ends (twice: the second parse comes from the memo)
    for _ in range(2):
        crlf = parse_bvh(_text(frames).replace("\n", "\r\n"), unit="cm")
        np.testing.assert_allclose(crlf.positions, one_line.positions, rtol=0, atol=0)
    # another offset in the same layout is another hierarchy
    moved = parse_bvh(_text(frames).replace("OFFSET 0 -45 0", "OFFSET 0 -40 0"), unit="cm")
    assert not np.allclose(moved.positions, one_line.positions)
    # after the memo, errors still name the file at hand and its line
    bad = _text(frames).replace("Frames: 9", "Frames: 10")
    with pytest.raises(DataFormatError, match="second.bvh"):
        parse_bvh(bad, source="second.bvh", unit="cm")
    lines = _text(frames).splitlines()
    lines[-1] = " ".join(lines[-1].split()[:-2])  # the last frame (8) two values short
    with pytest.raises(DataFormatError, match=r"third\.bvh:\d+: frame 8 has"):
        parse_bvh("\n".join(lines) + "\n", source="third.bvh", unit="cm")


def _reference_catmull_rom(x: np.ndarray, f: np.ndarray) -> np.ndarray:
    n = len(x)
    out = []
    for fi in f:
        i1 = min(max(int(np.floor(fi)), 0), n - 2)
        u = fi - i1
        p1, p2 = x[i1], x[i1 + 1]
        p0 = x[i1 - 1] if i1 >= 1 else 2 * p1 - p2
        p3 = x[i1 + 2] if i1 + 2 <= n - 1 else 2 * p2 - p1
        out.append(0.5 * (2 * p1 + (p2 - p0) * u + (2 * p0 - 5 * p1 + 4 * p2 - p3) * u**2 + (3 * p1 - p0 - 3 * p2 + p3) * u**3))
    return np.array(out)


@pytest.mark.parametrize("new_rate", [120.0, 50.0, 17.0])
def test_resample_matches_per_sample_catmull_rom_and_nlerp(rng, new_rate):
    fs, n, n_j = 30.0, 40, 3
    pos = rng.normal(size=(n, n_j, 3))
    rotvec = np.cumsum(rng.normal(scale=0.3, size=(n, n_j, 3)), axis=0)
    m = SkeletonMotion(pos, so3_exp(rotvec), fs, ("a", "b", "c"), (-1, 0, 1))
    up = m.resample(new_rate)
    f = np.arange(up.n_frames) / new_rate * fs
    np.testing.assert_allclose(up.positions, _reference_catmull_rom(pos, f), rtol=0, atol=1e-12)
    np.testing.assert_allclose(catmull_rom(pos, f), _reference_catmull_rom(pos, f), rtol=0, atol=1e-12)
    q = m.quaternions.copy()
    for t in range(1, n):  # sign continuity, frame by frame
        flip = np.sum(q[t] * q[t - 1], axis=-1) < 0
        q[t, flip] *= -1
    ref = []
    for fi in f:
        i0 = min(int(np.floor(fi)), n - 2)
        w = fi - i0
        qi = (1 - w) * q[i0] + w * q[i0 + 1]
        ref.append(qi / np.linalg.norm(qi, axis=-1, keepdims=True))
    np.testing.assert_allclose(up.quaternions, np.array(ref), rtol=0, atol=1e-14)
    assert up.metadata["resampled_from_hz"] == fs and up.joint_names == m.joint_names


def test_simulator_matches_per_node_reference_with_lever_arm_and_mounting(rng):
    # the BVH above through the simulator, no filter: finite differences written out node by node
    frames = np.cumsum(rng.normal(scale=1.0, size=(60, _N_CH)), axis=0)
    frames[:, 1] += 95.0
    m = parse_bvh(_text(frames), unit="cm")
    nodes = ["pelvis", "spine3", "head", "left_wrist", "right_knee"]
    mapping = {"pelvis": "Root", "spine3": ("Chest", "Chest"), "head": "Head", "left_wrist": "HandL", "right_knee": "Shin"}
    lever = np.array([0.02, -0.01, 0.03])
    mount = so3_exp(np.array([0.3, -0.2, 0.5]))
    sig = simulate_signals(m, nodes, mapping=mapping, cutoff_hz=None, lever_arm=lever, mounting=mount)
    sources = resolve_mapping(m.joint_names, m.parents, nodes, mapping=mapping)
    fs, g = m.rate_hz, np.array([0.0, 0.0, -9.81])
    rots = m.rotations
    for k, node in enumerate(nodes):
        src = sources[node]
        p_node = sum(w * m.positions[:, m.joint_index(j)] for j, w in src.position)
        r_seg = rots[:, m.joint_index(src.rotation)]
        p = p_node + r_seg @ lever
        r_s = r_seg @ mount
        acc = np.empty_like(p)
        gyro = np.empty_like(p)
        for t in range(m.n_frames):
            a, b = max(t - 1, 0), min(t + 1, m.n_frames - 1)
            tc = min(max(t, 1), m.n_frames - 2)
            p_dd = (p[tc + 1] - 2 * p[tc] + p[tc - 1]) * fs * fs
            acc[t] = r_s[t].T @ (p_dd - g)
            gyro[t] = so3_log(r_s[a].T @ r_s[b]) * fs / (b - a)
        np.testing.assert_allclose(sig.acc[:, k], acc, rtol=1e-9, atol=1e-8)
        np.testing.assert_allclose(sig.gyro[:, k], gyro, rtol=1e-9, atol=1e-9)
