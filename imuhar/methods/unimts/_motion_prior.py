"""A physical motion prior for zero-shot scores: a still sensor is not walking, a swinging one is not lying.

Every dataset card marks its activities ``static`` (postures), ``dynamic`` (locomotion, exercise, gestures)
or ``transition``. That is label *metadata*, known before any window is seen, like the class names. How much
a window moves is measured without a model: the standard deviation over time of the acceleration magnitude
(m/s²; gravity alone gives a constant magnitude in any orientation, so a held posture reads near the sensor
noise, about 0.05 m/s², and walking reads 2-4 m/s²). The prior turns that into the log-probability that the
window is dynamic and adds it to the standardized zero-shot scores of dynamic classes (and the complementary
log-probability to static classes); transitions get no prior.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ...core import InvalidParameterError, LabelVocabulary, Windows

__all__ = ["motion_intensity", "kind_log_prior", "activity_kinds", "DEFAULT_MOTION_PRIOR"]

#: Threshold (m/s²) the command line uses by default: chosen on the benchmarks' training subjects (development
#: set) by experiments/unimts_zero_shot.py among 0.3, 0.5 and 1.0 and no prior.
DEFAULT_MOTION_PRIOR = 1.0


def motion_intensity(windows: Windows) -> np.ndarray:
    """How much each window moves: std over time of |acc|, the largest over its present nodes.

    Parameters
    ----------
    windows : Windows
        Acceleration in the first three channels (m/s²).

    Returns
    -------
    ndarray, shape (n_windows,), m/s²
    """
    names = [c.lower() for c in windows.channels]
    if len(names) < 3 or not all(n.startswith("acc") for n in names[:3]):
        raise InvalidParameterError(f"the motion prior reads acceleration in the first three channels; received {windows.channels}")
    mag = np.linalg.norm(np.asarray(windows.x[:, :, 0:3, :], dtype=np.float64), axis=2)  # (W, N, T)
    sd = mag.std(axis=2)
    sd[~np.asarray(windows.node_mask, dtype=bool)] = 0.0
    return sd.max(axis=1)


def activity_kinds(vocabulary: LabelVocabulary) -> list[str]:
    """The card's kind of every class, in id order (``static``, ``dynamic`` or ``transition``)."""
    return [a.kind for a in vocabulary.activities]


def kind_log_prior(intensity: np.ndarray, kinds: Sequence[str], *, threshold: float = 0.5) -> np.ndarray:
    """Log-prior of each class given how much each window moves.

    Parameters
    ----------
    intensity : ndarray, shape (n_windows,)
        :func:`motion_intensity`, m/s².
    kinds : sequence of str
        Per class: ``static``, ``dynamic`` or ``transition``.
    threshold : float
        Intensity (m/s²) at which a window is as likely static as dynamic; the logistic's width is 30 % of it.

    Returns
    -------
    ndarray, shape (n_windows, n_classes)
        ``log p(dynamic)`` for dynamic classes, ``log p(static)`` for static ones, 0 for transitions.
    """
    if threshold <= 0:
        raise InvalidParameterError(f"threshold must be a positive acceleration in m/s²; received {threshold}")
    bad = sorted({k for k in kinds} - {"static", "dynamic", "transition"})
    if bad:
        raise InvalidParameterError(f"kinds must be 'static', 'dynamic' or 'transition'; received {bad}")
    z = (np.asarray(intensity, dtype=np.float64) - threshold) / (0.3 * threshold)
    log_dyn = -np.logaddexp(0.0, -z)  # log sigmoid(z), stable for large |z|
    log_sta = -np.logaddexp(0.0, z)
    k = np.asarray(kinds)
    return np.where(k == "dynamic", log_dyn[:, None], np.where(k == "static", log_sta[:, None], 0.0))
