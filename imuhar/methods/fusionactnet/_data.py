"""FusionActNet's input: windows of body acceleration, angular velocity and total acceleration (9 channels per
node), cut inside labelled segments as UCI-HAR's windows were."""

from __future__ import annotations

import logging
from typing import Iterable, Sequence

import numpy as np

from ...core import UNLABELLED, InvalidParameterError, Recording, Windows

__all__ = ["NINE_CHANNELS", "labelled_segments", "nine_channel_windows"]

logger = logging.getLogger(__name__)

#: Channel order of :func:`nine_channel_windows`, as in UCI-HAR's "Inertial Signals": body acc, gyro, total acc.
NINE_CHANNELS: tuple[str, ...] = (
    "body_acc.x", "body_acc.y", "body_acc.z",
    "gyro.x", "gyro.y", "gyro.z",
    "acc.x", "acc.y", "acc.z",
)


def labelled_segments(labels: np.ndarray) -> list[tuple[int, int]]:
    """Runs of one class, ``[(start, stop), ...]`` with ``stop`` exclusive; unlabelled runs are skipped.

    Parameters
    ----------
    labels : ndarray of int, shape (n_samples,)
    """
    labels = np.asarray(labels)
    if labels.size == 0:
        return []
    change = np.flatnonzero(np.diff(labels)) + 1
    starts, stops = np.r_[0, change], np.r_[change, labels.size]
    keep = labels[starts] != UNLABELLED
    return list(zip(starts[keep].tolist(), stops[keep].tolist()))


_OFFSET_SEP = "@segment-start-sample="


def _split_by_segment(rec: Recording, min_samples: int) -> list[Recording]:
    # The segment's first sample rides in the recording id, so window start times can be restored to the
    # whole recording's clock after windowing.
    return [
        rec.slice(a, b).replace(recording_id=f"{rec.recording_id}{_OFFSET_SEP}{a}")
        for a, b in labelled_segments(rec.labels)
        if b - a >= min_samples
    ]


def _restore_offsets(w: Windows) -> tuple[np.ndarray, np.ndarray]:
    parts = np.char.partition(w.recording_ids.astype(str), _OFFSET_SEP)
    offset = np.where(parts[:, 1] == _OFFSET_SEP, parts[:, 2], "0").astype(np.int64)
    return parts[:, 0], w.start_s + offset / w.rate_hz


def nine_channel_windows(
    recordings: Recording | Iterable[Recording],
    *,
    length_s: float = 2.56,
    overlap: float = 0.5,
    target_rate_hz: float | None = None,
    noise_lowpass_hz: float | None = 20.0,
    gravity_cutoff_hz: float = 0.3,
    per_segment: bool = True,
    label_rule: str = "strict",
    nodes: Sequence[str] | str | None = None,
    short: str = "drop",
    verbose: bool = True,
) -> Windows:
    """Cut windows holding body acceleration, gyroscope and total acceleration of every node.

    Per recording: resample (optional), a zero-phase Butterworth low-pass against noise (UCI-HAR used 20 Hz,
    order 3), then the gravity split (0.3 Hz low-pass of total acceleration, :func:`imuhar.preprocessing.split_gravity`)
    over the whole recording, so filter edges fall at recording ends only. With ``per_segment`` the recording
    is then cut into its labelled segments and windows start at each segment's beginning (UCI-HAR's 2.56 s,
    50 % overlap windows: 7,415 training and 2,996 test windows from HAPT's raw recordings, against 7,352 and
    2,947 in the release).

    Parameters
    ----------
    recordings : Recording or iterable of Recording
        In SI units (m/s² with gravity, rad/s), one vocabulary.
    length_s : float
        Window length, seconds.
    overlap : float
        Overlap fraction in [0, 1).
    target_rate_hz : float, optional
        Resample every recording to this rate first.
    noise_lowpass_hz : float or None
        Noise low-pass cut-off (Hz); None skips it. Clipped below Nyquist.
    gravity_cutoff_hz : float
        Cut-off of the gravity low-pass, Hz.
    per_segment : bool
        Window each labelled segment separately (windows never straddle two activities); else slide over
        whole recordings and label windows by ``label_rule``.
    label_rule : {"strict", "majority", "center"}
        Passed to :func:`imuhar.preprocessing.sliding_windows`.
    nodes, short, verbose
        Passed to :func:`imuhar.preprocessing.sliding_windows`.

    Returns
    -------
    Windows
        ``x`` of shape (n_windows, n_nodes, 9, n_samples), channels :data:`NINE_CHANNELS` (m/s², rad/s, m/s²).
    """
    from ...preprocessing import lowpass, resample, sliding_windows, split_gravity

    recs = [recordings] if isinstance(recordings, Recording) else list(recordings)
    if not recs:
        raise InvalidParameterError("nine_channel_windows needs at least one recording")
    total, body = [], []
    for rec in recs:
        if target_rate_hz is not None and abs(rec.sample_rate_hz - target_rate_hz) > 1e-9:
            rec = resample(rec, target_rate_hz=target_rate_hz)
        if noise_lowpass_hz is not None:
            cutoff = min(noise_lowpass_hz, 0.45 * rec.sample_rate_hz)
            rec = lowpass(rec, cutoff, order=3)
        _, b = split_gravity(rec, cutoff_hz=gravity_cutoff_hz)
        total.append(rec)
        body.append(b)
    n = int(round(length_s * total[0].sample_rate_hz))
    if per_segment:
        # Slice both versions identically; segments shorter than a window give none (unless short="tile"/"pad").
        min_len = 1 if short != "drop" else n
        total = [s for r in total for s in _split_by_segment(r, min_len)]
        body = [s for r in body for s in _split_by_segment(r, min_len)]
        if not total:
            raise InvalidParameterError(f"no labelled segment is at least {length_s:g} s long; use shorter windows")
    kw = dict(n_samples=n, overlap=overlap, label_rule=label_rule, nodes=nodes, short=short, channels=("acc", "gyro"))
    w_total = sliding_windows(total, verbose=verbose, **kw)
    w_body = sliding_windows(body, verbose=False, **kw)
    same = (
        w_total.n_windows == w_body.n_windows
        and np.array_equal(w_total.recording_ids, w_body.recording_ids)
        and np.allclose(w_total.start_s, w_body.start_s)
    )
    if not same:  # both come from identical time grids; a mismatch would be a windowing bug
        raise InvalidParameterError("body and total acceleration windows do not line up; report this as a bug")
    rec_ids, start_s = _restore_offsets(w_total) if per_segment else (w_total.recording_ids, w_total.start_s)
    x = np.concatenate([w_body.x[:, :, 0:3], w_total.x[:, :, 3:6], w_total.x[:, :, 0:3]], axis=2)
    cmask = np.concatenate([w_total.channel_mask[:, 0:3], w_total.channel_mask[:, 3:6], w_total.channel_mask[:, 0:3]], axis=1)
    return w_total.with_step(
        "nine_channel_windows",
        {
            "noise_lowpass_hz": noise_lowpass_hz,
            "gravity_cutoff_hz": gravity_cutoff_hz,
            "per_segment": per_segment,
            "channels": list(NINE_CHANNELS),
        },
        x=x,
        channels=NINE_CHANNELS,
        channel_mask=cmask,
        recording_ids=rec_ids,
        start_s=start_s,
    )
