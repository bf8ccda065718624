"""Where a teacher's similarity distribution falls: a check to run before distilling relations from it.

COMODO's student learns the teacher's softmax over a queue of other clips. If that distribution mostly sits
on clips of the *same subject* (repetitions of one action by one person look alike to most encoders), the
student is taught to recognize people rather than actions, which does not carry over to new subjects.
:func:`teacher_neighbourhoods` measures that on the training subjects (labels and subject ids of training
data only), so a teacher, or its temperature, can be judged before any training.
"""

from __future__ import annotations

import numpy as np

from imuhar.core import InvalidParameterError, ShapeMismatchError

__all__ = ["teacher_neighbourhoods"]


def teacher_neighbourhoods(
    embeddings: np.ndarray, labels: np.ndarray, subjects: np.ndarray, *, temperature: float = 0.1
) -> dict[str, float]:
    """Share of a teacher's softmax over the *other* clips that falls on the same subject and the same class.

    For every clip ``i``, ``p_ij = softmax_j(cos(z_i, z_j) / temperature)`` over all ``j != i`` (the clip itself
    is left out; in COMODO's queue it would also take its own share). Reported as means over clips, percent.

    Parameters
    ----------
    embeddings : ndarray, shape (n, dim)
        Teacher embeddings of ``n`` clips (normalized here).
    labels : ndarray, shape (n,)
        Class of every clip (training data only; used for the report, never for training).
    subjects : ndarray, shape (n,)
        Subject of every clip.
    temperature : float
        COMODO's teacher temperature (0.1).

    Returns
    -------
    dict
        ``mass_same_subject`` (and ``mass_same_subject_chance``, the share of other clips that belong to the
        same subject, i.e. what a subject-blind teacher would give), ``mass_same_class``,
        ``mass_same_class_other_subject`` (the relations that transfer to new people) and
        ``nearest_is_same_subject`` (how often the most similar other clip is the same subject's), all percent.
    """
    z = np.asarray(embeddings, dtype=np.float64)
    labels, subjects = np.asarray(labels), np.asarray(subjects)
    if z.ndim != 2 or z.shape[0] < 2 or labels.shape != (z.shape[0],) or subjects.shape != (z.shape[0],):
        raise ShapeMismatchError(
            f"embeddings must be (n >= 2, dim) with labels and subjects of shape (n,); received {z.shape}, "
            f"{labels.shape}, {subjects.shape}"
        )
    if not float(temperature) > 0:
        raise InvalidParameterError(f"temperature must be positive; received {temperature}")
    norms = np.linalg.norm(z, axis=1, keepdims=True)
    if not np.all(norms > 0):
        raise InvalidParameterError("an embedding is all zeros; its cosine similarity is undefined")
    z = z / norms
    sim = z @ z.T
    np.fill_diagonal(sim, -np.inf)
    p = np.exp((sim - sim.max(1, keepdims=True)) / float(temperature))
    p /= p.sum(1, keepdims=True)
    same_s = subjects[None, :] == subjects[:, None]
    same_c = labels[None, :] == labels[:, None]
    others = len(z) - 1
    chance = (same_s.sum(1) - 1) / others  # other clips of the same subject, per clip

    def pct(mask: np.ndarray) -> float:
        return round(100.0 * float((p * mask).sum(1).mean()), 1)

    nearest = sim.argmax(1)
    return {
        "mass_same_subject": pct(same_s),
        "mass_same_subject_chance": round(100.0 * float(chance.mean()), 1),
        "mass_same_class": pct(same_c),
        "mass_same_class_other_subject": pct(same_c & ~same_s),
        "nearest_is_same_subject": round(100.0 * float(same_s[np.arange(len(z)), nearest].mean()), 1),
    }
