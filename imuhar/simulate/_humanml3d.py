"""HumanML3D ``new_joints/*.npy`` reader: (T, 22, 3) SMPL joint positions, metres, y-up, 20 fps."""

from __future__ import annotations

from pathlib import Path
from typing import IO

import numpy as np

from ..core import DataFormatError, DataNotFoundError, InvalidSignalError
from ._motion import up_axis_matrix
from ._orientation import canonical_motion_from_positions
from ._motion import SkeletonMotion

__all__ = ["read_humanml3d", "HUMANML3D_RATE_HZ"]

#: Frame rate of HumanML3D's processed joints (the authors downsample AMASS to 20 fps).
HUMANML3D_RATE_HZ = 20.0


def read_humanml3d(
    path: str | Path | IO[bytes],
    *,
    rate_hz: float = HUMANML3D_RATE_HZ,
    source: str | None = None,
) -> SkeletonMotion:
    """Read one HumanML3D motion (``new_joints/<id>.npy``) as a canonical 22-node motion.

    Segment orientations are derived from the positions with
    :func:`imuhar.simulate.orientations_from_positions` (bone direction + a secondary axis from neighbouring
    joints; limb twist follows the parent segment, see that function's notes).

    Parameters
    ----------
    path : path or binary file object
        A ``.npy`` array of shape (n_frames, 22, 3): SMPL joint order, metres, y-up.
    rate_hz : float
        Frame rate; HumanML3D ships 20 fps.
    source : str, optional
        Name used in error messages.

    Returns
    -------
    SkeletonMotion
        22 canonical joints in the z-up world, ``rig="smpl"``.
    """
    src = source or (str(path) if isinstance(path, (str, Path)) else getattr(path, "name", "<npy>"))
    try:
        arr = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise DataNotFoundError(f"HumanML3D file {src} does not exist") from None
    except ValueError as exc:
        raise DataFormatError(f"{src}: not a plain .npy array ({exc})") from None
    if arr.ndim != 3 or arr.shape[1:] != (22, 3):
        raise DataFormatError(
            f"{src}: HumanML3D new_joints arrays have shape (n_frames, 22, 3); received {arr.shape}. "
            f"(new_joint_vecs holds 263-d features, not positions.)"
        )
    if arr.shape[0] == 0:
        raise DataFormatError(f"{src}: the motion has 0 frames")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise InvalidSignalError(f"{src}: NaN/inf joint position at frame {int(bad[0])}, joint {int(bad[1])}")
    pos = arr @ up_axis_matrix("y").T
    return canonical_motion_from_positions(
        pos, rate_hz, source=src, metadata={"format": "humanml3d", "unit": "m"}
    )
