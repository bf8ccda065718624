"""Mocap to synthetic IMU: read skeleton motion (BVH, HumanML3D, Kinect, arrays), simulate acc/gyro at body nodes.

Typical use::

    from imuhar.simulate import load_motion, simulate_imu
    motion = load_motion("walk.bvh")                       # any rig, unit detected and checked
    rec = simulate_imu(motion, ["right_wrist", "pelvis"], rate_hz=50, noise="research_imu", seed=0)

``rec`` is an :class:`imuhar.core.Recording`, so everything downstream reads simulated and real data alike.
"""

from ._bvh import BVH_UNITS, parse_bvh, read_bvh
from ._calibrate import PercentileCalibrator
from ._humanml3d import HUMANML3D_RATE_HZ, read_humanml3d
from ._imu import STANDARD_GRAVITY, SimulatedSignals, default_cutoff_hz, simulate_imu, simulate_many, simulate_recordings, simulate_signals
from ._kinect import KINECT_TO_NODES, UTD_MHAD_JOINTS, read_kinect_mat
from ._mapping import RIG_TABLES, NodeSource, detect_rig, match_joint_names, resolve_mapping
from ._motion import UP_AXIS_TO_Z, SkeletonMotion
from ._noise import NOISE_PRESETS, AxisErrors, SensorModel, apply_sensor_model, get_sensor_model
from ._orientation import REST_DIRECTIONS, canonical_motion_from_positions, orientations_from_positions
from ._sources import MOTION_FORMATS, MotionFile, find_motion_files, iter_motions, load_motion

__all__ = [
    "AxisErrors",
    "BVH_UNITS",
    "HUMANML3D_RATE_HZ",
    "KINECT_TO_NODES",
    "MOTION_FORMATS",
    "MotionFile",
    "NOISE_PRESETS",
    "NodeSource",
    "PercentileCalibrator",
    "REST_DIRECTIONS",
    "RIG_TABLES",
    "STANDARD_GRAVITY",
    "SensorModel",
    "SimulatedSignals",
    "SkeletonMotion",
    "UP_AXIS_TO_Z",
    "UTD_MHAD_JOINTS",
    "apply_sensor_model",
    "canonical_motion_from_positions",
    "default_cutoff_hz",
    "detect_rig",
    "find_motion_files",
    "get_sensor_model",
    "iter_motions",
    "load_motion",
    "match_joint_names",
    "orientations_from_positions",
    "parse_bvh",
    "read_bvh",
    "read_humanml3d",
    "read_kinect_mat",
    "resolve_mapping",
    "simulate_imu",
    "simulate_many",
    "simulate_recordings",
    "simulate_signals",
]
