"""Vectorized rotation helpers: Euler channels, matrix exp/log, quaternions, vector alignment.

Every function works on stacks of rotations, shape ``(..., 3, 3)``, so the kinematics never loop over frames.
Rotation matrices map a segment's local coordinates to world coordinates (columns = local axes in world).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "axis_rotation",
    "euler_to_matrix",
    "so3_exp",
    "so3_log",
    "matrix_to_quat",
    "quat_to_matrix",
    "align_vectors",
    "frame_from_axes",
    "orthonormalize",
    "continuous_quat",
    "quat_mul",
    "quat_conj",
    "quat_rotate",
    "quat_log",
    "cross3",
    "quat_conj_mul",
    "quat_rotate_inv",
    "quat_norm",
    "quat_normalize",
]

_AXIS = {"X": 0, "Y": 1, "Z": 2}


def axis_rotation(axis: int, angle_rad: np.ndarray) -> np.ndarray:
    """Rotations by ``angle_rad`` about a coordinate axis (0=x, 1=y, 2=z), shape ``angle.shape + (3, 3)``."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    out = np.zeros(np.shape(angle_rad) + (3, 3))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    out[..., axis, axis] = 1.0
    out[..., i, i] = c
    out[..., j, j] = c
    out[..., i, j] = -s
    out[..., j, i] = s
    return out


def euler_to_matrix(angles_deg: np.ndarray, order: str) -> np.ndarray:
    """Compose intrinsic rotations given in BVH channel order.

    Parameters
    ----------
    angles_deg : ndarray, shape (..., k)
        Angles in degrees, one column per letter of ``order``.
    order : str
        Axis letters in channel order, e.g. ``"ZXY"``; the result is ``R_Z @ R_X @ R_Y`` (BVH convention:
        the first listed channel is the outermost rotation).

    Returns
    -------
    ndarray, shape (..., 3, 3)
    """
    angles = np.deg2rad(np.asarray(angles_deg, dtype=np.float64))
    out = None
    for k, letter in enumerate(order):
        r = axis_rotation(_AXIS[letter], angles[..., k])
        out = r if out is None else out @ r
    if out is None:
        out = np.broadcast_to(np.eye(3), angles.shape[:-1] + (3, 3)).copy()
    return out


def _skew(v: np.ndarray) -> np.ndarray:
    out = np.zeros(v.shape[:-1] + (3, 3))
    out[..., 0, 1], out[..., 0, 2] = -v[..., 2], v[..., 1]
    out[..., 1, 0], out[..., 1, 2] = v[..., 2], -v[..., 0]
    out[..., 2, 0], out[..., 2, 1] = -v[..., 1], v[..., 0]
    return out


def so3_exp(rotvec: np.ndarray) -> np.ndarray:
    """Rotation matrices from rotation vectors (axis * angle in rad), shape (..., 3) -> (..., 3, 3)."""
    rotvec = np.asarray(rotvec, dtype=np.float64)
    theta = np.linalg.norm(rotvec, axis=-1)[..., None, None]
    k = _skew(rotvec)
    small = theta < 1e-8
    safe = np.where(small, 1.0, theta)
    a = np.where(small, 1.0 - theta**2 / 6.0, np.sin(safe) / safe)
    b = np.where(small, 0.5 - theta**2 / 24.0, (1.0 - np.cos(safe)) / safe**2)
    return np.eye(3) + a * k + b * (k @ k)


def so3_log(r: np.ndarray) -> np.ndarray:
    """Rotation vectors (axis * angle, rad) of rotation matrices, shape (..., 3, 3) -> (..., 3).

    Uses the quaternion route (``2 atan2(|v|, w) v/|v|``), which stays accurate for tiny angles and near pi.
    """
    q = matrix_to_quat(r)
    w = q[..., 0]
    v = q[..., 1:]
    # choose w >= 0 so the angle lies in [0, pi]
    sign = np.where(w < 0, -1.0, 1.0)
    w = w * sign
    v = v * sign[..., None]
    n = np.linalg.norm(v, axis=-1)
    angle = 2.0 * np.arctan2(n, w)
    small = n < 1e-12
    scale = np.where(small, 2.0 / np.maximum(w, 1e-12), angle / np.where(small, 1.0, n))
    return v * scale[..., None]


def matrix_to_quat(r: np.ndarray) -> np.ndarray:
    """Unit quaternions (w, x, y, z) of rotation matrices, shape (..., 3, 3) -> (..., 4).

    Branch-free variant of Shepperd's method: all four candidate solutions are computed and the best conditioned
    one is picked per matrix.
    """
    r = np.asarray(r, dtype=np.float64)
    m00, m11, m22 = r[..., 0, 0], r[..., 1, 1], r[..., 2, 2]
    tr = m00 + m11 + m22
    cand = np.stack(
        [
            np.stack([1 + tr, r[..., 2, 1] - r[..., 1, 2], r[..., 0, 2] - r[..., 2, 0], r[..., 1, 0] - r[..., 0, 1]], -1),
            np.stack([r[..., 2, 1] - r[..., 1, 2], 1 + m00 - m11 - m22, r[..., 0, 1] + r[..., 1, 0], r[..., 0, 2] + r[..., 2, 0]], -1),
            np.stack([r[..., 0, 2] - r[..., 2, 0], r[..., 0, 1] + r[..., 1, 0], 1 - m00 + m11 - m22, r[..., 1, 2] + r[..., 2, 1]], -1),
            np.stack([r[..., 1, 0] - r[..., 0, 1], r[..., 0, 2] + r[..., 2, 0], r[..., 1, 2] + r[..., 2, 1], 1 - m00 - m11 + m22], -1),
        ],
        axis=-2,
    )
    diag = np.stack([1 + tr, 1 + m00 - m11 - m22, 1 - m00 + m11 - m22, 1 - m00 - m11 + m22], -1)
    best = np.argmax(diag, axis=-1)
    q = np.take_along_axis(cand, best[..., None, None], axis=-2)[..., 0, :]
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


def quat_to_matrix(q: np.ndarray) -> np.ndarray:
    """Rotation matrices from quaternions (w, x, y, z), normalized first, shape (..., 4) -> (..., 3, 3)."""
    q = np.asarray(q, dtype=np.float64)
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    w, x, y, z = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    out = np.empty(q.shape[:-1] + (3, 3))
    out[..., 0, 0] = 1 - 2 * (y * y + z * z)
    out[..., 0, 1] = 2 * (x * y - w * z)
    out[..., 0, 2] = 2 * (x * z + w * y)
    out[..., 1, 0] = 2 * (x * y + w * z)
    out[..., 1, 1] = 1 - 2 * (x * x + z * z)
    out[..., 1, 2] = 2 * (y * z - w * x)
    out[..., 2, 0] = 2 * (x * z - w * y)
    out[..., 2, 1] = 2 * (y * z + w * x)
    out[..., 2, 2] = 1 - 2 * (x * x + y * y)
    return out


def continuous_quat(q: np.ndarray, axis: int = 0) -> np.ndarray:
    """Flip quaternion signs along ``axis`` so consecutive quaternions lie in the same hemisphere."""
    q = np.moveaxis(np.asarray(q, dtype=np.float64), axis, 0)
    if q.shape[0] > 1:
        a, b = q[1:], q[:-1]
        dots = a[..., 0] * b[..., 0] + a[..., 1] * b[..., 1] + a[..., 2] * b[..., 2] + a[..., 3] * b[..., 3]
        flips = np.cumprod(np.where(dots < 0, -1.0, 1.0), axis=0)
        q = q.copy()
        for k in range(4):  # per component: a broadcast length-4 innermost axis is slow in numpy
            q[1:, ..., k] *= flips
    return np.moveaxis(q, 0, axis)


def align_vectors(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Minimal rotations taking unit vectors ``a`` onto unit vectors ``b``, shape (..., 3) -> (..., 3, 3).

    Rodrigues' formula ``I + [v]x + [v]x^2 / (1 + c)`` with ``v = a x b``, ``c = a . b``. Undefined for exactly
    opposite vectors; there the rotation by pi about an axis perpendicular to ``a`` is returned.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    v = np.cross(a, b)
    c = np.sum(a * b, axis=-1)
    k = _skew(v)
    denom = np.maximum(1.0 + c, 1e-9)[..., None, None]
    out = np.eye(3) + k + (k @ k) / denom
    opposite = c < -1 + 1e-9
    if np.any(opposite):
        aa = a[opposite]
        helper = np.where(np.abs(aa[:, :1]) < 0.9, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])
        axis = np.cross(aa, helper)
        axis /= np.linalg.norm(axis, axis=-1, keepdims=True)
        out[opposite] = so3_exp(np.pi * axis)
    return out


def frame_from_axes(primary: np.ndarray, secondary: np.ndarray, primary_axis: int = 1, secondary_axis: int = 0) -> np.ndarray:
    """Orthonormal frames with local axis ``primary_axis`` along ``primary`` and ``secondary_axis`` towards ``secondary``.

    Gram-Schmidt on (..., 3) vectors; the third axis completes a right-handed frame. Returns (..., 3, 3) whose
    columns are the local x, y, z axes in world coordinates.
    """
    p = primary / np.linalg.norm(primary, axis=-1, keepdims=True)
    s = secondary - np.sum(secondary * p, axis=-1, keepdims=True) * p
    s = s / np.linalg.norm(s, axis=-1, keepdims=True)
    cols: list[np.ndarray | None] = [None, None, None]
    cols[primary_axis] = p
    cols[secondary_axis] = s
    third = 3 - primary_axis - secondary_axis
    # right-handed: e_third = e_(third+1) x e_(third+2)
    cols[third] = np.cross(cols[(third + 1) % 3], cols[(third + 2) % 3])
    return np.stack(cols, axis=-1)


def orthonormalize(m: np.ndarray) -> np.ndarray:
    """Nearest rotation matrices (polar decomposition via SVD) of (..., 3, 3) matrices."""
    u, _, vt = np.linalg.svd(m)
    d = np.sign(np.linalg.det(u @ vt))
    u = u.copy()
    u[..., :, 2] *= d[..., None]
    return u @ vt


def quat_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product ``a * b`` of (w, x, y, z) quaternions, broadcasting over leading axes."""
    aw, ax, ay, az = a[..., 0], a[..., 1], a[..., 2], a[..., 3]
    bw, bx, by, bz = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    out = np.empty(a.shape if a.shape == b.shape else np.broadcast_shapes(a.shape, b.shape))
    out[..., 0] = aw * bw - ax * bx - ay * by - az * bz
    out[..., 1] = aw * bx + ax * bw + ay * bz - az * by
    out[..., 2] = aw * by - ax * bz + ay * bw + az * bx
    out[..., 3] = aw * bz + ax * by - ay * bx + az * bw
    return out


def quat_conj_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``conj(a) * b`` without forming the conjugate: the rotation from frame ``a`` to frame ``b`` in ``a``'s axes."""
    aw, ax, ay, az = a[..., 0], a[..., 1], a[..., 2], a[..., 3]
    bw, bx, by, bz = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    out = np.empty(a.shape if a.shape == b.shape else np.broadcast_shapes(a.shape, b.shape))
    out[..., 0] = aw * bw + ax * bx + ay * by + az * bz
    out[..., 1] = aw * bx - ax * bw - ay * bz + az * by
    out[..., 2] = aw * by + ax * bz - ay * bw - az * bx
    out[..., 3] = aw * bz - ax * by + ay * bx - az * bw
    return out


def _rotate(q: np.ndarray, v: np.ndarray, sign: float, out: np.ndarray | None = None) -> np.ndarray:
    """``v + sign * w t + u x t`` with ``t = 2 u x v``: rotation by ``q`` (sign +1) or its inverse (-1).

    Written per component: numpy's loops are slow when the innermost axis is a broadcast length-3/4 axis, so
    every operation here runs over whole (...,) component arrays instead. ``out`` (..., 3) may be a strided view
    (e.g. part of a larger channel array), written in place.
    """
    qw, qx, qy, qz = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    vx, vy, vz = v[..., 0], v[..., 1], v[..., 2]
    tx = 2.0 * (qy * vz - qz * vy)
    ty = 2.0 * (qz * vx - qx * vz)
    tz = 2.0 * (qx * vy - qy * vx)
    if sign < 0:
        qw = -qw  # v - w t == v + (-w) t exactly
    if out is None:
        lead_q, lead_v = q.shape[:-1], v.shape[:-1]
        out = np.empty((lead_q if lead_q == lead_v else np.broadcast_shapes(lead_q, lead_v)) + (3,))
    out[..., 0] = vx + qw * tx + (qy * tz - qz * ty)
    out[..., 1] = vy + qw * ty + (qz * tx - qx * tz)
    out[..., 2] = vz + qw * tz + (qx * ty - qy * tx)
    return out


def quat_norm(q: np.ndarray) -> np.ndarray:
    """Euclidean norm over the last axis of (..., 4) quaternions, shape (...,); per component (fast on stacks)."""
    q0, q1, q2, q3 = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    return np.sqrt(q0 * q0 + q1 * q1 + q2 * q2 + q3 * q3)


def quat_normalize(q: np.ndarray, norms: np.ndarray | None = None) -> np.ndarray:
    """``q / |q|`` over the last axis of (..., 4) quaternions (``norms`` if already computed), a new array."""
    n = quat_norm(q) if norms is None else norms
    out = np.empty(q.shape)
    for k in range(4):
        np.divide(q[..., k], n, out=out[..., k])
    return out


def quat_rotate_inv(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors by the inverse of unit quaternions: ``R(q)^T v``, shape (..., 3)."""
    return _rotate(q, v, -1.0)


def quat_conj(q: np.ndarray) -> np.ndarray:
    """Conjugate (inverse of a unit quaternion), shape (..., 4)."""
    return q * np.array([1.0, -1.0, -1.0, -1.0])


def cross3(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product over the last axis of broadcastable (..., 3) arrays (cheaper than ``np.cross``)."""
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    out = np.empty(a.shape if a.shape == b.shape else np.broadcast_shapes(a.shape, b.shape))
    out[..., 0] = a1 * b2 - a2 * b1
    out[..., 1] = a2 * b0 - a0 * b2
    out[..., 2] = a0 * b1 - a1 * b0
    return out


def quat_rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors ``v`` (..., 3) by unit quaternions ``q`` (..., 4): ``R(q) v`` without building matrices."""
    return _rotate(q, v, 1.0)


def quat_log(q: np.ndarray) -> np.ndarray:
    """Rotation vectors (axis * angle, rad, angle in [0, pi]) of unit quaternions, shape (..., 4) -> (..., 3)."""
    return _quat_log(q)


def _quat_log(q: np.ndarray, factor: float | None = None, out: np.ndarray | None = None) -> np.ndarray:
    """:func:`quat_log`, times ``factor`` if given (rounded as ``quat_log(q) * factor``), into ``out`` if given."""
    # w >= 0 picks the angle in [0, pi]; the sign flip of (w, v) is folded into the per-rotation scale, and
    # every operation runs per component (fast on stacks; see _rotate)
    qw, qx, qy, qz = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    neg = qw < 0
    w = np.abs(qw)
    n = np.sqrt(qx * qx + qy * qy + qz * qz)
    angle = 2.0 * np.arctan2(n, w)
    small = n < 1e-12
    scale = np.where(small, 2.0 / np.maximum(w, 1e-12), angle / np.where(small, 1.0, n))
    np.negative(scale, out=scale, where=neg)
    if out is None:
        out = np.empty(q.shape[:-1] + (3,))
    for k, comp in enumerate((qx, qy, qz)):
        if factor is None:
            np.multiply(comp, scale, out=out[..., k])
        else:
            np.multiply(np.multiply(comp, scale), factor, out=out[..., k])
    return out
