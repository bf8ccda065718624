"""COMODO's instance-queue distillation loss and the two alignment baselines it is compared with.

The COMODO loss (Chen et al., 2025; official code ``comodo/loss.py``) for a batch of ``B`` pairs:

1. ``Q = concat(queue, z_t)``: the queue of ``K`` *teacher* embeddings with the current batch's own teacher
   embeddings appended (so every row scores its own teacher vector too), ``(K + B, d)``, no gradient.
2. ``P_t = softmax(z_t Q^T / tau_t)`` and ``log P_s = log_softmax(z_s Q^T / tau_s)``, rows unit-normalized so the
   logits are cosine similarities.
3. ``L = -(1/B) sum_i sum_k P_t[i, k] log P_s[i, k]`` (soft cross-entropy = KL(P_t || P_s) + a constant).
4. FIFO update: ``queue <- Q[B:]``: the oldest ``B`` rows leave, the newest ``K`` stay.

Defaults follow the paper's code: ``tau_t = 0.1``, ``tau_s = 0.05`` (the student is sharper than the teacher),
``K = 16384``. No momentum encoder is needed: the teacher is frozen and only its outputs enter the queue.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from imuhar.core import InvalidParameterError, ShapeMismatchError

__all__ = ["InstanceQueue", "comodo_loss", "info_nce_alignment_loss", "l2_distillation_loss"]


def _check_pair(student: torch.Tensor, teacher: torch.Tensor) -> None:
    if student.ndim != 2 or teacher.ndim != 2 or student.shape != teacher.shape:
        raise ShapeMismatchError(
            f"student and teacher embeddings must both have shape (batch, dim) and match; received "
            f"{tuple(student.shape)} and {tuple(teacher.shape)}. Give the student a projection head whose output "
            f"size equals the teacher's embedding size."
        )


def _check_temperature(value: float, name: str) -> float:
    value = float(value)
    if not value > 0.0:
        raise InvalidParameterError(f"{name} must be a positive temperature; received {value}")
    return value


def comodo_loss(
    student: torch.Tensor,
    teacher: torch.Tensor,
    queue: torch.Tensor,
    *,
    teacher_temperature: float = 0.1,
    student_temperature: float = 0.05,
) -> torch.Tensor:
    """Soft cross-entropy between the teacher's and the student's similarity distributions over a queue.

    The current batch's teacher embeddings are appended to ``queue`` before scoring (step 1 of the module
    docstring); the queue itself is not modified here (see :class:`InstanceQueue`).

    Parameters
    ----------
    student : Tensor, shape (batch, dim)
        Student projections; L2-normalized here (gradients flow through them).
    teacher : Tensor, shape (batch, dim)
        Teacher embeddings of the same samples; L2-normalized here and detached.
    queue : Tensor, shape (n_queue, dim)
        Earlier teacher embeddings (may be empty, ``n_queue = 0``); detached.
    teacher_temperature, student_temperature : float
        Softmax temperatures of the two distributions.

    Returns
    -------
    Tensor, scalar
        ``-(1/B) sum_i sum_k P_t[i, k] log P_s[i, k]`` over the ``n_queue + batch`` slots.
    """
    _check_pair(student, teacher)
    if queue.ndim != 2 or queue.shape[1] != teacher.shape[1]:
        raise ShapeMismatchError(
            f"queue must have shape (n_queue, {teacher.shape[1]}); received {tuple(queue.shape)}"
        )
    tau_t = _check_temperature(teacher_temperature, "teacher_temperature")
    tau_s = _check_temperature(student_temperature, "student_temperature")
    z_s = F.normalize(student, dim=1)
    z_t = F.normalize(teacher.detach(), dim=1)
    bank = torch.cat([F.normalize(queue.detach().to(z_t), dim=1), z_t], dim=0)  # (K + B, d)
    p_t = F.softmax(z_t @ bank.T / tau_t, dim=1)
    log_p_s = F.log_softmax(z_s @ bank.T / tau_s, dim=1)
    return -(p_t * log_p_s).sum(dim=1).mean()


class InstanceQueue:
    """A FIFO queue of teacher embeddings, the memory COMODO scores against.

    Parameters
    ----------
    initial : Tensor or ndarray, shape (size, dim)
        The starting content, in COMODO the teacher embeddings of a held-out sample of training clips; its
        length is the queue size ``K``, kept fixed from then on.

    Notes
    -----
    :meth:`loss` scores a batch against ``concat(queue, batch)`` and then pushes the batch, exactly as the
    official code does in one call. Rows are kept oldest first.
    """

    def __init__(self, initial) -> None:
        q = torch.as_tensor(initial, dtype=torch.float32)
        if q.ndim != 2 or q.shape[0] < 1:
            raise ShapeMismatchError(
                f"the initial queue must have shape (size >= 1, dim); received {tuple(q.shape)}. Initialize it "
                f"from the teacher embeddings of held-out training clips."
            )
        self._queue = F.normalize(q.detach().clone(), dim=1)

    @property
    def size(self) -> int:
        """Number of embeddings held, ``K``."""
        return int(self._queue.shape[0])

    @property
    def dim(self) -> int:
        """Embedding size."""
        return int(self._queue.shape[1])

    @property
    def embeddings(self) -> torch.Tensor:
        """The queue's content, shape (size, dim), oldest first (a copy)."""
        return self._queue.clone()

    def push(self, batch: torch.Tensor) -> None:
        """Append ``batch`` (shape (B, dim)) and drop the oldest ``B`` rows, keeping ``size`` rows."""
        if batch.ndim != 2 or batch.shape[1] != self.dim:
            raise ShapeMismatchError(f"a pushed batch must have shape (B, {self.dim}); received {tuple(batch.shape)}")
        k = self.size
        self._queue = torch.cat([self._queue.to(batch.device), F.normalize(batch.detach(), dim=1)], dim=0)[-k:]

    def loss(
        self,
        student: torch.Tensor,
        teacher: torch.Tensor,
        *,
        teacher_temperature: float = 0.1,
        student_temperature: float = 0.05,
        update: bool = True,
    ) -> torch.Tensor:
        """:func:`comodo_loss` of a batch against the queue, then (``update=True``) the FIFO push of ``teacher``."""
        value = comodo_loss(
            student,
            teacher,
            self._queue.to(student.device),
            teacher_temperature=teacher_temperature,
            student_temperature=student_temperature,
        )
        if update:
            self.push(teacher)
        return value


def info_nce_alignment_loss(
    student: torch.Tensor, teacher: torch.Tensor, *, temperature: float = 0.1, symmetric: bool = True
) -> torch.Tensor:
    """IMU2CLIP-style InfoNCE alignment: each student row must pick its own teacher row among the batch's.

    Parameters
    ----------
    student, teacher : Tensor, shape (batch, dim)
        Both L2-normalized here; the teacher is detached (frozen).
    temperature : float
        Logit temperature (COMODO's baseline uses 0.1).
    symmetric : bool
        Average the student->teacher and teacher->student cross-entropies (CLIP); False keeps only
        student->teacher (the official baseline's default).

    Returns
    -------
    Tensor, scalar
    """
    from imuhar.training import info_nce

    _check_pair(student, teacher)
    tau = _check_temperature(temperature, "temperature")
    # the project's shared InfoNCE (fixed temperature here, as the paper's baseline; no cross-rank gathering)
    return info_nce(student, teacher.detach(), 1.0 / tau, symmetric=symmetric, gather=False)


def l2_distillation_loss(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """Mean squared error between the L2-normalized student and teacher embeddings (mean over all entries).

    Parameters
    ----------
    student, teacher : Tensor, shape (batch, dim)

    Returns
    -------
    Tensor, scalar
        ``mean((z_s - z_t)^2)``, i.e. ``(2 - 2 cos) / dim`` averaged over the batch.
    """
    _check_pair(student, teacher)
    return F.mse_loss(F.normalize(student, dim=1), F.normalize(teacher.detach(), dim=1))
