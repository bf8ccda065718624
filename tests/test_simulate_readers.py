"""Readers (BVH, HumanML3D, Kinect, arrays), rig mapping and orientations from positions."""

from __future__ import annotations

import io

import numpy as np
import pytest

from conftest import require_shared
from imuhar.core import NODES, DataFormatError, InvalidParameterError, InvalidRateError, InvalidSignalError
from imuhar.simulate import (
    SkeletonMotion,
    detect_rig,
    match_joint_names,
    orientations_from_positions,
    parse_bvh,
    read_bvh,
    read_humanml3d,
    read_kinect_mat,
    resolve_mapping,
    simulate_imu,
    simulate_signals,
)
from imuhar.simulate._rotation import so3_exp

# A small CMU-style rig in centimetres: span (hand to foot) about 1.9 m.
_RIG = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT Spine
  {
    OFFSET 0 20 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    JOINT Spine1
    {
      OFFSET 0 25 0
      CHANNELS 3 Zrotation Xrotation Yrotation
      JOINT Neck
      {
        OFFSET 0 15 0
        CHANNELS 3 Zrotation Xrotation Yrotation
        JOINT Head
        {
          OFFSET 0 10 0
          CHANNELS 3 Zrotation Xrotation Yrotation
          End Site
          {
            OFFSET 0 15 0
          }
        }
      }
      JOINT LeftShoulder
      {
        OFFSET 5 10 0
        CHANNELS 3 Zrotation Xrotation Yrotation
        JOINT LeftArm
        {
          OFFSET 15 0 0
          CHANNELS 3 Zrotation Xrotation Yrotation
          JOINT LeftForeArm
          {
            OFFSET 28 0 0
            CHANNELS 3 Zrotation Xrotation Yrotation
            JOINT LeftHand
            {
              OFFSET 25 0 0
              CHANNELS 3 Zrotation Xrotation Yrotation
              End Site
              {
                OFFSET 10 0 0
              }
            }
          }
        }
      }
    }
  }
  JOINT LeftUpLeg
  {
    OFFSET 10 -5 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    JOINT LeftLeg
    {
      OFFSET 0 -42 0
      CHANNELS 3 Zrotation Xrotation Yrotation
      JOINT LeftFoot
      {
        OFFSET 0 -42 0
        CHANNELS 3 Zrotation Xrotation Yrotation
        End Site
        {
          OFFSET 0 -5 12
        }
      }
    }
  }
}
MOTION
"""
_N_CH = 6 + 3 * 11


def bvh_text(frames: np.ndarray, frame_time: float = 0.01, hierarchy: str = _RIG) -> str:
    rows = "\n".join(" ".join(f"{v:.6f}" for v in row) for row in frames)
    return f"{hierarchy}Frames: {len(frames)}\nFrame Time: {frame_time}\n{rows}\n"


def still_frames(n: int = 10) -> np.ndarray:
    f = np.zeros((n, _N_CH))
    f[:, 1] = 95.0  # hips 95 cm above the ground
    return f


# ----------------------------------------------------------------------------------------------- BVH
def test_bvh_forward_kinematics_units_and_world_frame():
    frames = still_frames(4)
    frames[:, 3] = 90.0  # root Zrotation 90 deg: the spine (offset +y) swings to -x in the BVH's y-up world
    m = parse_bvh(bvh_text(frames), source="rig.bvh")
    assert m.metadata["unit"] == "cm" and m.rate_hz == pytest.approx(100.0)
    assert m.joint_names[:3] == ("Hips", "Spine", "Spine1") and m.rig == "cmu"
    hips, spine = m.positions[0, 0], m.positions[0, 1]
    np.testing.assert_allclose(hips, [0.0, 0.0, 0.95], atol=1e-9)  # y-up 95 cm -> z-up 0.95 m
    np.testing.assert_allclose(spine - hips, [-0.20, 0.0, 0.0], atol=1e-9)
    # explicit unit checked against a human size
    m_cm = parse_bvh(bvh_text(still_frames(3)), unit="cm")
    np.testing.assert_allclose(m_cm.positions, parse_bvh(bvh_text(still_frames(3))).positions)
    with pytest.raises(DataFormatError, match="unit"):
        parse_bvh(bvh_text(still_frames(3)), unit="m", source="rig.bvh")
    with pytest.raises(ValueError, match="unit"):
        parse_bvh(bvh_text(still_frames(3)), unit="furlong")


def test_bvh_position_channels_on_a_non_root_joint_carry_the_motion():
    # Bandai Namco style: a still root, translation on the child 'Hips'
    hier = _RIG.replace("ROOT Hips", "ROOT joint_Root\n{\n  OFFSET 0 0 0\n  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation\n  JOINT Hips", 1)
    hier = hier.replace("\nMOTION", "\n}\nMOTION")
    n = 50
    frames = np.zeros((n, 6 + _N_CH))
    frames[:, 6 + 0] = np.linspace(0, 100, n)  # Hips walks 1 m along x
    frames[:, 6 + 1] = 95.0
    m = parse_bvh(bvh_text(frames, hierarchy=hier))
    hips = m.positions[:, m.joint_index("Hips")]
    np.testing.assert_allclose(hips[-1] - hips[0], [1.0, 0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(m.positions[:, m.joint_index("joint_Root")], 0.0)


def test_bvh_end_sites_and_rotation_of_child():
    frames = still_frames(3)
    frames[:, 6 + 3 * 6] = 90.0  # LeftForeArm Zrotation: the hand bone (offset +x) now points +y (up)
    m = parse_bvh(bvh_text(frames), include_end_sites=True)
    fore, hand = m.positions[0, m.joint_index("LeftForeArm")], m.positions[0, m.joint_index("LeftHand")]
    np.testing.assert_allclose(hand - fore, [0.0, 0.0, 0.25], atol=1e-9)
    assert "LeftHand_end" in m.joint_names
    np.testing.assert_allclose(m.positions[0, m.joint_index("LeftHand_end")] - hand, [0.0, 0.0, 0.10], atol=1e-9)


def test_bvh_errors_name_file_and_line():
    good = bvh_text(still_frames(3))
    broken = good.replace("    JOINT Spine1\n    {", "    JOINT Spine1\n", 1)
    with pytest.raises(DataFormatError, match=r"walk\.bvh:\d+"):
        parse_bvh(broken, source="walk.bvh")
    unclosed = good.replace("}\nMOTION", "MOTION", 1)
    with pytest.raises(DataFormatError, match=r"walk\.bvh:\d+: MOTION reached with 1 unclosed"):
        parse_bvh(unclosed, source="walk.bvh")
    lines = good.splitlines()
    lines[-2] = " ".join(lines[-2].split()[:-2])  # second frame loses two values
    with pytest.raises(DataFormatError, match=rf"walk\.bvh:{len(lines) - 1}: frame 1 has {_N_CH - 2} values"):
        parse_bvh("\n".join(lines), source="walk.bvh")
    bad_count = good.replace("CHANNELS 3 Zrotation Xrotation Yrotation", "CHANNELS 4 Zrotation Xrotation Yrotation", 1)
    with pytest.raises(DataFormatError, match=r"walk\.bvh:9: CHANNELS announces 4"):
        parse_bvh(bad_count, source="walk.bvh")
    with pytest.raises(DataFormatError, match="0 frames"):
        parse_bvh(bvh_text(still_frames(0)), source="walk.bvh")
    nan_frames = still_frames(5)
    nan_frames[2, 7] = np.nan
    with pytest.raises(InvalidSignalError, match=r"walk\.bvh:\d+: frame 2"):
        parse_bvh(bvh_text(nan_frames), source="walk.bvh")
    with pytest.raises(DataFormatError, match="HIERARCHY"):
        parse_bvh("hello", source="walk.bvh")


def test_read_bvh_from_path_and_stream(tmp_path):
    p = tmp_path / "take.bvh"
    p.write_text(bvh_text(still_frames(6)))
    m1 = read_bvh(p)
    m2 = read_bvh(io.BytesIO(p.read_bytes()), source="zip!take.bvh")
    np.testing.assert_allclose(m1.positions, m2.positions)
    assert m2.source == "zip!take.bvh" and m1.n_frames == 6
    rec = simulate_imu(m1, ["left_wrist", "waist"], rate_hz=50)
    np.testing.assert_allclose(np.linalg.norm(rec.acc["pelvis"], axis=1), 9.81, atol=1e-6)


# ----------------------------------------------------------------------------------------------- mapping
def test_rig_tables_name_matching_and_explicit_mapping():
    cmu = parse_bvh(bvh_text(still_frames(5)))
    srcs = resolve_mapping(cmu.joint_names, cmu.parents, ["left_wrist", "left_elbow", "pelvis"], rig=cmu.rig)
    assert srcs["left_wrist"].position == (("LeftHand", 1.0),) and srcs["left_wrist"].rotation == "LeftForeArm"
    names = ["mixamorig:Hips", "mixamorig:LeftUpLeg", "mixamorig:LeftLeg", "mixamorig:LeftFoot", "mixamorig:LeftToeBase"]
    guessed = match_joint_names(names, [-1, 0, 1, 2, 3])
    assert guessed["left_knee"].position[0][0] == "mixamorig:LeftLeg"
    assert guessed["left_foot"].rotation == "mixamorig:LeftFoot"  # a toe sensor turns with the foot
    other = match_joint_names(["root", "thigh_l", "calf_l", "foot_l"], [-1, 0, 1, 2])
    assert other["left_hip"].position[0][0] == "thigh_l" and other["left_knee"].position[0][0] == "calf_l"
    assert detect_rig(["a", "b"]) == "unknown"
    # explicit mapping wins and is checked
    srcs = resolve_mapping(cmu.joint_names, cmu.parents, ["left_wrist"], mapping={"left_wrist": ("LeftHand", "LeftHand")})
    assert srcs["left_wrist"].rotation == "LeftHand"
    with pytest.raises(InvalidParameterError, match="Pinky"):
        resolve_mapping(cmu.joint_names, cmu.parents, ["left_wrist"], mapping={"left_wrist": "Pinky"})
    with pytest.raises(InvalidParameterError, match="right_knee"):
        resolve_mapping(cmu.joint_names, cmu.parents, ["right_knee"])


# ----------------------------------------------------------------------------------------------- positions only
def tpose() -> np.ndarray:
    """Canonical 22-node T-pose, z-up, facing -y (so the subject's left is +x)."""
    p = {
        "pelvis": (0, 0, 1.0), "left_hip": (0.1, 0, 0.95), "right_hip": (-0.1, 0, 0.95), "spine1": (0, 0, 1.1),
        "left_knee": (0.1, 0, 0.5), "right_knee": (-0.1, 0, 0.5), "spine2": (0, 0, 1.25), "left_ankle": (0.1, 0, 0.08),
        "right_ankle": (-0.1, 0, 0.08), "spine3": (0, 0, 1.35), "left_foot": (0.1, -0.12, 0.0423),
        "right_foot": (-0.1, -0.12, 0.0423), "neck": (0, 0, 1.5), "left_collar": (0.08, 0, 1.45),
        "right_collar": (-0.08, 0, 1.45), "head": (0, 0, 1.62), "left_shoulder": (0.18, 0, 1.45),
        "right_shoulder": (-0.18, 0, 1.45), "left_elbow": (0.45, 0, 1.45), "right_elbow": (-0.45, 0, 1.45),
        "left_wrist": (0.7, 0, 1.45), "right_wrist": (-0.7, 0, 1.45),
    }  # fmt: skip
    return np.array([p[n] for n in NODES], dtype=float)


def test_orientations_from_positions_follow_the_tpose_convention():
    rot = orientations_from_positions(tpose()[None])[0]
    left, up, forward = np.array([1.0, 0, 0]), np.array([0, 0, 1.0]), np.array([0, -1.0, 0])
    for k in range(22):
        np.testing.assert_allclose(rot[k][:, 0], left, atol=0.05)
        np.testing.assert_allclose(rot[k][:, 1], up, atol=0.05)
        np.testing.assert_allclose(rot[k][:, 2], forward, atol=0.05)


def test_whole_body_turning_reads_the_turn_rate_at_every_node():
    fs, omega = 30.0, 1.2
    t = np.arange(90) / fs
    r = so3_exp(np.stack([np.zeros_like(t), np.zeros_like(t), omega * t], 1))
    pos = np.einsum("tij,nj->tni", r, tpose())
    m = SkeletonMotion.from_arrays(pos, fs)
    assert m.rig == "smpl" and m.n_joints == 22
    sig = simulate_signals(m)  # all 22 nodes
    # every segment turns with the body: gyro = R0^T (0, 0, omega), i.e. (0, omega, 0) for T-pose frames
    r0 = orientations_from_positions(tpose()[None])[0]
    expected = np.einsum("nji,j->ni", r0, [0.0, 0.0, omega])
    np.testing.assert_allclose(sig.gyro, np.broadcast_to(expected, sig.gyro.shape), atol=1e-6)
    np.testing.assert_allclose(expected, np.broadcast_to([0.0, omega, 0.0], expected.shape), atol=1e-3)
    # y-up arrays are turned into the z-up world
    m_y = SkeletonMotion.from_arrays(pos[..., [0, 2, 1]] * [1, 1, -1], fs, up_axis="y")
    np.testing.assert_allclose(m_y.positions, pos, atol=1e-12)


def test_from_arrays_with_rotations_and_errors():
    pos = np.zeros((10, 2, 3))
    pos[:, 1, 2] = 0.5
    rot = np.tile(np.eye(3), (10, 2, 1, 1))
    m = SkeletonMotion.from_arrays(pos, 25.0, parents=[-1, 0], joint_names=["Hips", "Chest"], rotations=rot)
    assert m.n_joints == 2 and m.rate_hz == 25.0
    np.testing.assert_allclose(m.rotations, rot)
    with pytest.raises(InvalidParameterError, match="joint_names"):
        SkeletonMotion.from_arrays(pos, 25.0)
    bad = pos.copy()
    bad[3, 0, 0] = np.nan
    with pytest.raises(InvalidSignalError, match="frame 3"):
        SkeletonMotion.from_arrays(bad, 25.0, parents=[-1, 0], joint_names=["Hips", "Chest"], rotations=rot)
    with pytest.raises(InvalidParameterError, match="neck"):
        SkeletonMotion.from_arrays(np.zeros((5, 3, 3)), 25.0, parents=[-1, 0, 1], joint_names=["hips", "left_hip", "x"])


def test_motion_resample_and_slice():
    fs = 30.0
    t = np.arange(60) / fs
    r = so3_exp(np.stack([np.zeros_like(t), np.zeros_like(t), 0.8 * t], 1))
    pos = np.stack([np.sin(t), np.zeros_like(t), np.ones_like(t)], 1)
    m = SkeletonMotion(pos[:, None], r[:, None], fs, ("pelvis",), (-1,))
    up = m.resample(120.0)
    assert up.rate_hz == 120.0 and up.n_frames == int(59 / 30 * 120) + 1
    np.testing.assert_allclose(up.positions[::4, 0], pos, atol=1e-12)
    np.testing.assert_allclose(up.positions[2::4, 0, 0], np.sin(t[:-1] + 1 / 60), atol=1e-4)
    assert m.slice(10, 20).n_frames == 10


# ----------------------------------------------------------------------------------------------- real files
@pytest.mark.real_data
def test_bandai_namco_walk_from_the_zip_moves_the_hips():
    from imuhar.datasets._io import open_source

    with open_source(require_shared("bandai-namco.zip")) as src:
        name = src.find("dataset-1/data/dataset-1_walk_normal_001.bvh")
        m = read_bvh(src.open(name), source=src.describe(name))
    assert m.rig == "bandai_namco" and m.metadata["unit"] == "cm" and m.rate_hz == pytest.approx(30.0, rel=1e-4)
    assert 1.2 < m.metadata["body_height_m"] < 2.0
    hips = m.positions[:, m.joint_index("Hips")]
    assert np.linalg.norm(hips[-1, :2] - hips[0, :2]) > 1.0  # the walk is carried on Hips, not the root
    rec = simulate_imu(m, ["pelvis", "right_wrist", "right_ankle"], rate_hz=50)
    assert rec.sample_rate_hz == 50 and rec.placements == ("pelvis", "right_ankle", "right_wrist")
    mag = np.linalg.norm(rec.acc["pelvis"], axis=1)
    assert 9.3 < mag.mean() < 10.5 and mag.std() > 0.5  # gravity on average, steps on top
    assert 0.5 < np.linalg.norm(rec.gyro["right_wrist"], axis=1).mean() < 6.0  # arm swing, rad/s


@pytest.mark.real_data
def test_cmu_iclone_rig_from_the_zip():
    from imuhar.datasets._io import open_source

    with open_source(require_shared("cmu-mocap-iclone.zip")) as src:
        name = src.glob("bvh_iclone_subset/subjects/*.bvh")[0]
        m = read_bvh(src.open(name), source=src.describe(name))
    assert m.rig == "iclone" and m.metadata["unit"] == "cm" and m.rate_hz == pytest.approx(60.0, rel=1e-3)
    assert 1.3 < m.metadata["body_height_m"] < 2.1
    sig = simulate_signals(m, ["right_wrist", "left_ankle", "head"], rate_hz=50)
    assert np.isfinite(sig.acc).all() and 8.0 < np.linalg.norm(sig.acc, axis=-1).mean() < 14.0


@pytest.mark.real_data
def test_humanml3d_sample_reads_as_canonical_motion():
    path = require_shared("humanml3d-sample", "HumanML3D", "new_joints", "000000.npy")
    m = read_humanml3d(path)
    assert m.rig == "smpl" and m.rate_hz == 20.0 and m.joint_names == NODES
    assert 1.3 < m.body_height_m() < 2.0
    np.testing.assert_allclose(m.rotations @ np.swapaxes(m.rotations, -1, -2), np.broadcast_to(np.eye(3), m.rotations.shape), atol=1e-9)
    rec = simulate_imu(m, rate_hz=20)
    assert len(rec.placements) == 22
    assert 9.3 < np.linalg.norm(rec.acc["pelvis"], axis=1).mean() < 10.8
    with pytest.raises(DataFormatError, match="22, 3"):
        read_humanml3d(require_shared("humanml3d-sample", "HumanML3D", "new_joint_vecs", "000000.npy"))


@pytest.mark.real_data
def test_utd_mhad_skeleton_rate_from_inertial_duration():
    path = require_shared("utd-mhad", "Skeleton", "a1_s1_t1_skeleton.mat")
    m = read_kinect_mat(path)
    # 48 skeleton frames over the 160 inertial samples at 50 Hz = 3.2 s -> 15 Hz
    assert m.rate_hz == pytest.approx(48 / 3.2) and "inertial" in m.metadata["rate_from"]
    rec = simulate_imu(m, ["right_wrist"], rate_hz=50)
    assert rec.n_samples == int(np.floor(47 / 15 * 50)) + 1
    with pytest.raises(InvalidRateError, match="inertial_path"):
        read_kinect_mat(io.BytesIO(path.read_bytes()), source="a1.mat")
    assert read_kinect_mat(io.BytesIO(path.read_bytes()), duration_s=3.2).rate_hz == pytest.approx(15.0)


@pytest.mark.real_data
def test_find_motion_files_in_folders_skips_features_and_pairs_kinect_with_inertial(tmp_path):
    import zipfile

    from imuhar.simulate import find_motion_files, iter_motions, load_motion

    root = require_shared("humanml3d-sample")
    files = find_motion_files(root)
    assert sorted(f.name for f in files) == ["HumanML3D/new_joints/000000.npy", "HumanML3D/new_joints/012314.npy"]
    motions = list(iter_motions([root], verbose=False))
    assert [m.n_frames for m in motions] == [116, 170]
    # a UTD-MHAD-shaped archive: the skeleton's rate comes from its sibling inertial file inside the zip
    utd = require_shared("utd-mhad")
    archive = tmp_path / "utd.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(utd / "Skeleton" / "a1_s1_t1_skeleton.mat", "UTD/Skeleton/a1_s1_t1_skeleton.mat")
        zf.write(utd / "Inertial" / "a1_s1_t1_inertial.mat", "UTD/Inertial/a1_s1_t1_inertial.mat")
    (only,) = find_motion_files(archive)
    assert load_motion(only).rate_hz == pytest.approx(15.0)
    with pytest.raises(DataFormatError, match="suffix"):
        load_motion(tmp_path / "take.c3d")
