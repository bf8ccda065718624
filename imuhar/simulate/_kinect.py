"""Kinect v1 skeletons (UTD-MHAD ``Skeleton/*.mat``) as canonical 22-node motions.

UTD-MHAD stores ``d_skel`` with shape (20, 3, n_frames): 20 Kinect joints in the camera frame (metres, x to the
sensor's left, y up, z away from the sensor: right-handed, y-up) in the dataset's own joint order
(:data:`UTD_MHAD_JOINTS`). The skeleton stream is nominally 30 fps but dropped frames: skeleton and inertial
data of a trial cover the same time span, so the true rate is ``n_frames / duration`` with the duration taken
from the matching inertial file (50 Hz), about 15-20 Hz.

Kinect has no collar, spine1 or spine3 joints; they are placed on the segments between neighbouring joints
(:data:`KINECT_TO_NODES`) and orientations are derived from positions (see
:func:`imuhar.simulate.orientations_from_positions`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO

import numpy as np

from ..core import DataFormatError, DataNotFoundError, InvalidRateError, InvalidSignalError, check_rate
from ._motion import SkeletonMotion, up_axis_matrix
from ._orientation import canonical_motion_from_positions

__all__ = ["read_kinect_mat", "UTD_MHAD_JOINTS", "KINECT_TO_NODES", "UTD_MHAD_INERTIAL_RATE_HZ"]

UTD_MHAD_INERTIAL_RATE_HZ = 50.0

#: Joint order of UTD-MHAD's ``d_skel`` (its documentation's figure, 1-based there).
UTD_MHAD_JOINTS: tuple[str, ...] = (
    "head", "shoulder_center", "spine", "hip_center",
    "left_shoulder", "left_elbow", "left_wrist", "left_hand",
    "right_shoulder", "right_elbow", "right_wrist", "right_hand",
    "left_hip", "left_knee", "left_ankle", "left_foot",
    "right_hip", "right_knee", "right_ankle", "right_foot",
)  # fmt: skip

#: Canonical node -> Kinect joint, or (joint_a, joint_b, t) for a point at (1 - t) a + t b.
KINECT_TO_NODES: dict[str, str | tuple[str, str, float]] = {
    "pelvis": "hip_center",
    "left_hip": "left_hip",
    "right_hip": "right_hip",
    "spine1": ("hip_center", "spine", 0.5),
    "left_knee": "left_knee",
    "right_knee": "right_knee",
    "spine2": "spine",
    "left_ankle": "left_ankle",
    "right_ankle": "right_ankle",
    "spine3": ("spine", "shoulder_center", 0.6),
    "left_foot": "left_foot",
    "right_foot": "right_foot",
    "neck": "shoulder_center",
    "left_collar": ("shoulder_center", "left_shoulder", 0.4),
    "right_collar": ("shoulder_center", "right_shoulder", 0.4),
    "head": "head",
    "left_shoulder": "left_shoulder",
    "right_shoulder": "right_shoulder",
    "left_elbow": "left_elbow",
    "right_elbow": "right_elbow",
    "left_wrist": "left_wrist",
    "right_wrist": "right_wrist",
}

_UTD_NAME = re.compile(r"(a\d+_s\d+_t\d+)_skeleton\.mat$")


def _load_mat(path, key: str, src: str) -> np.ndarray:
    from scipy.io import loadmat

    try:
        mat = loadmat(path)
    except FileNotFoundError:
        raise DataNotFoundError(f"{src} does not exist") from None
    except (ValueError, OSError, TypeError) as exc:
        raise DataFormatError(f"{src}: not a readable MATLAB file ({exc})") from None
    if key not in mat:
        keys = [k for k in mat if not k.startswith("__")]
        raise DataFormatError(f"{src}: expected variable {key!r} in the .mat file; found {keys}")
    return np.asarray(mat[key], dtype=np.float64)


def read_kinect_mat(
    path: str | Path | IO[bytes],
    *,
    rate_hz: float | None = None,
    duration_s: float | None = None,
    inertial_path: str | Path | IO[bytes] | None = None,
    inertial_rate_hz: float = UTD_MHAD_INERTIAL_RATE_HZ,
    source: str | None = None,
) -> SkeletonMotion:
    """Read a UTD-MHAD Kinect skeleton (``d_skel``, 20 x 3 x n_frames) as a canonical 22-node motion.

    The frame rate comes from, in order: ``rate_hz``; ``n_frames / duration_s``; the duration of the matching
    inertial file (``inertial_path``, or ``../Inertial/aA_sS_tT_inertial.mat`` beside a file path), i.e.
    ``n_frames * inertial_rate_hz / n_inertial_samples``.

    Parameters
    ----------
    path : path or binary file object
        The skeleton ``.mat`` file.
    rate_hz : float, optional
        Skeleton frame rate, if known.
    duration_s : float, optional
        Time span the skeleton covers.
    inertial_path : path or file object, optional
        The trial's inertial ``.mat`` (``d_iner``, n x 6) whose duration the skeleton shares.
    inertial_rate_hz : float
        Rate of the inertial file (UTD-MHAD: 50 Hz).
    source : str, optional
        Name used in error messages.

    Returns
    -------
    SkeletonMotion
        Canonical 22 nodes, z-up world (the camera's y axis is taken as up), metres, ``rig="smpl"``;
        ``metadata["rate_from"]`` says where the rate came from.

    Raises
    ------
    InvalidRateError
        If no rate can be derived (no inertial file found and neither ``rate_hz`` nor ``duration_s`` given).
    """
    src = source or (str(path) if isinstance(path, (str, Path)) else getattr(path, "name", "<mat>"))
    d = _load_mat(path, "d_skel", src)
    if d.ndim != 3 or d.shape[:2] != (len(UTD_MHAD_JOINTS), 3):
        raise DataFormatError(f"{src}: d_skel must have shape (20, 3, n_frames); received {d.shape}")
    n_frames = d.shape[2]
    if n_frames == 0:
        raise DataFormatError(f"{src}: d_skel has 0 frames")
    if not np.isfinite(d).all():
        bad = np.argwhere(~np.isfinite(d))[0]
        raise InvalidSignalError(f"{src}: NaN/inf position of joint {int(bad[0])} at frame {int(bad[2])}")
    if rate_hz is not None:
        rate, rate_from = check_rate(rate_hz, "rate_hz"), "rate_hz argument"
    elif duration_s is not None:
        rate, rate_from = n_frames / check_rate(duration_s, "duration_s"), "duration_s argument"
    else:
        if inertial_path is None and isinstance(path, (str, Path)):
            m = _UTD_NAME.search(Path(path).name)
            if m:
                cand = Path(path).parent.parent / "Inertial" / f"{m.group(1)}_inertial.mat"
                inertial_path = cand if cand.exists() else None
        if inertial_path is None:
            raise InvalidRateError(
                f"{src}: cannot derive the skeleton frame rate (nominally 30 fps, really ~15-20 Hz after dropped "
                f"frames): pass inertial_path=<matching inertial .mat>, duration_s=... or rate_hz=..."
            )
        iner = _load_mat(inertial_path, "d_iner", str(inertial_path))
        if iner.ndim != 2 or iner.shape[0] < 2:
            raise DataFormatError(f"{inertial_path}: d_iner must have shape (n_samples, 6); received {iner.shape}")
        rate = n_frames * check_rate(inertial_rate_hz, "inertial_rate_hz") / iner.shape[0]
        rate_from = f"duration of {Path(str(inertial_path)).name} at {inertial_rate_hz:g} Hz"
    pos = np.transpose(d, (2, 0, 1)) @ up_axis_matrix("y").T
    return canonical_motion_from_positions(
        pos,
        rate,
        joint_names=UTD_MHAD_JOINTS,
        mapping=KINECT_TO_NODES,
        source=src,
        metadata={"format": "kinect_mat", "unit": "m", "rate_from": rate_from},
    )
