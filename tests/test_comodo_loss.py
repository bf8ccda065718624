"""COMODO's queue loss, FIFO queue, baselines and schedule, checked against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from imuhar.core import InvalidParameterError, ShapeMismatchError
from imuhar.methods.comodo import (
    InstanceQueue,
    comodo_loss,
    info_nce_alignment_loss,
    l2_distillation_loss,
    linear_warmup_decay,
)


def _reference_loss(student, teacher, queue, tau_t=0.1, tau_s=0.05):
    """Plain-numpy loops over the formula: soft cross-entropy over concat(queue, teacher batch)."""
    norm = lambda a: a / np.linalg.norm(a, axis=1, keepdims=True)  # noqa: E731
    s, t, q = norm(student), norm(teacher), norm(queue)
    bank = np.concatenate([q, t], axis=0)
    total = 0.0
    for i in range(len(s)):
        lt = np.array([t[i] @ b for b in bank]) / tau_t
        ls = np.array([s[i] @ b for b in bank]) / tau_s
        p_t = np.exp(lt) / np.exp(lt).sum()
        log_p_s = ls - math.log(np.exp(ls).sum())
        total += -(p_t * log_p_s).sum()
    return total / len(s)


def test_loss_matches_a_hand_computed_value():
    # One sample, one queued vector orthogonal to it. Bank = [[0, 1], [1, 0]] (queue, then the batch itself):
    # teacher logits [0, 10] -> p1 = e^10 / (1 + e^10); student logits [0, 20];
    # L = -(p0 * (0 - log(1 + e^20)) + p1 * (20 - log(1 + e^20))) = log(1 + e^20) - 20 p1.
    student = torch.tensor([[1.0, 0.0]])
    teacher = torch.tensor([[1.0, 0.0]])
    queue = torch.tensor([[0.0, 1.0]])
    p1 = math.exp(10) / (1 + math.exp(10))
    expected = math.log1p(math.exp(20)) - 20 * p1
    got = comodo_loss(student, teacher, queue).item()
    assert got == pytest.approx(expected, rel=1e-4)
    assert got == pytest.approx(9.08e-4, rel=1e-2)


def test_loss_matches_numpy_loops_and_temperatures_matter(rng):
    s, t, q = rng.normal(size=(5, 7)), rng.normal(size=(5, 7)), rng.normal(size=(11, 7))
    got = comodo_loss(torch.tensor(s), torch.tensor(t), torch.tensor(q)).item()
    assert got == pytest.approx(_reference_loss(s, t, q), rel=1e-6)
    swapped = comodo_loss(
        torch.tensor(s), torch.tensor(t), torch.tensor(q), teacher_temperature=0.05, student_temperature=0.1
    ).item()
    assert swapped == pytest.approx(_reference_loss(s, t, q, tau_t=0.05, tau_s=0.1), rel=1e-6)
    assert swapped != pytest.approx(got, rel=1e-3)
    # scale invariance: the loss reads directions only
    assert comodo_loss(torch.tensor(3 * s), torch.tensor(t / 7), torch.tensor(q)).item() == pytest.approx(got, rel=1e-6)


def test_loss_is_minimized_by_matching_the_teacher_distribution(rng):
    # KL(P_t || P_s) >= 0: a student equal to the teacher (up to the temperature mismatch) beats a random one.
    t, q = rng.normal(size=(8, 6)), rng.normal(size=(20, 6))
    tt, qq = torch.tensor(t), torch.tensor(q)
    same = comodo_loss(tt, tt, qq, teacher_temperature=0.1, student_temperature=0.1).item()
    rand = comodo_loss(torch.tensor(rng.normal(size=(8, 6))), tt, qq, teacher_temperature=0.1, student_temperature=0.1)
    assert same < rand.item()
    # with equal temperatures and student == teacher the loss is the teacher distribution's entropy
    bank = np.concatenate([q / np.linalg.norm(q, axis=1, keepdims=True), t / np.linalg.norm(t, axis=1, keepdims=True)])
    logits = (t / np.linalg.norm(t, axis=1, keepdims=True)) @ bank.T / 0.1
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    assert same == pytest.approx(float(-(p * np.log(p)).sum(1).mean()), rel=1e-6)


def test_queue_is_fifo_and_scores_the_current_batch():
    eye = torch.eye(8)
    queue = InstanceQueue(eye[:4])  # rows e0..e3, oldest first
    assert (queue.size, queue.dim) == (4, 8)
    batch_t = eye[4:7]  # e4, e5, e6
    student = torch.randn(3, 8, generator=torch.Generator().manual_seed(0))
    before = queue.embeddings
    loss = queue.loss(student, batch_t)
    # scored against concat(old queue, current batch): equal to the reference over that bank ...
    assert loss.item() == pytest.approx(_reference_loss(student.numpy(), batch_t.numpy(), before.numpy()), rel=1e-6)
    # ... and not to the loss over the old queue alone (which would not contain the positives)
    without = -(
        torch.softmax(batch_t @ before.T / 0.1, 1) * torch.log_softmax(student @ before.T / 0.05, 1)
    ).sum(1).mean()
    assert abs(loss.item() - without.item()) > 1e-3
    # FIFO: the 3 oldest rows left, the batch was appended at the end, size unchanged
    assert torch.equal(queue.embeddings, torch.cat([eye[3:4], eye[4:7]]))
    queue.push(eye[7:8])
    assert torch.equal(queue.embeddings, torch.cat([eye[4:7], eye[7:8]]))
    # update=False scores without pushing
    snapshot = queue.embeddings
    queue.loss(student[:1], eye[:1], update=False)
    assert torch.equal(queue.embeddings, snapshot)


def test_queue_keeps_newest_rows_when_batch_exceeds_queue():
    eye = torch.eye(6)
    queue = InstanceQueue(eye[:2])
    queue.push(eye[2:6])
    assert torch.equal(queue.embeddings, eye[4:6])


def test_teacher_side_receives_no_gradient(rng):
    student = torch.tensor(rng.normal(size=(4, 5)), requires_grad=True)
    teacher = torch.tensor(rng.normal(size=(4, 5)), requires_grad=True)
    queue = torch.tensor(rng.normal(size=(6, 5)), requires_grad=True)
    for fn in (
        lambda: comodo_loss(student, teacher, queue),
        lambda: info_nce_alignment_loss(student, teacher),
        lambda: l2_distillation_loss(student, teacher),
    ):
        student.grad = None
        fn().backward()
        assert student.grad is not None and student.grad.abs().sum() > 0
        assert teacher.grad is None and queue.grad is None


def test_infonce_and_l2_baselines_by_hand():
    # InfoNCE, identity pairs among 2 orthogonal directions: logits [[10, 0], [0, 10]], CE = log(1 + e^-10)
    z = torch.eye(2)
    assert info_nce_alignment_loss(z, z).item() == pytest.approx(math.log1p(math.exp(-10)), rel=1e-3)
    swapped = info_nce_alignment_loss(z, z.flip(0)).item()
    assert swapped == pytest.approx(10 + math.log1p(math.exp(-10)), rel=1e-5)
    # L2 on normalized vectors: mean over entries of (z_s - z_t)^2; orthogonal unit vectors -> 2 / dim
    assert l2_distillation_loss(torch.tensor([[3.0, 0.0]]), torch.tensor([[0.0, 1.0]])).item() == pytest.approx(1.0)
    assert l2_distillation_loss(z * 5, z).item() == pytest.approx(0.0, abs=1e-7)


def test_linear_warmup_then_decay():
    opt = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = linear_warmup_decay(opt, total_steps=20, warmup_fraction=0.1)
    lrs = []
    for _ in range(20):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs[:3] == pytest.approx([0.0, 0.5, 1.0])
    assert lrs[-1] == pytest.approx(1 / 18)
    assert all(a >= b for a, b in zip(lrs[2:], lrs[3:]))


def test_bad_inputs_raise_typed_errors():
    z = torch.zeros(2, 3)
    with pytest.raises(ShapeMismatchError, match="projection head"):
        comodo_loss(z, torch.zeros(2, 4), torch.zeros(5, 4))
    with pytest.raises(ShapeMismatchError, match="queue"):
        comodo_loss(z, z, torch.zeros(5, 4))
    with pytest.raises(InvalidParameterError, match="temperature"):
        comodo_loss(z, z, torch.zeros(5, 3), teacher_temperature=0.0)
    with pytest.raises(ShapeMismatchError, match="initial queue"):
        InstanceQueue(torch.zeros(0, 3))
