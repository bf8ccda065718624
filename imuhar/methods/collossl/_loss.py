"""ColloSSL's multi-view contrastive loss: InfoNCE with several positive devices and weighted negatives.

For anchor window ``i`` with embedding ``a_i``, positive devices ``p`` (weights ``w_p``) and negative devices
``n`` (weights ``w_n``) whose windows ``j`` at other times are counted ``c_nij`` times,

    L_i = log( sum_p w_p exp(s(a_i, z^p_i) / tau) + sum_n w_n sum_j c_nij exp(s(a_i, z^n_j) / tau) )
          - log( sum_p w_p exp(s(a_i, z^p_i) / tau) )

and the loss is the mean over anchors that have at least one negative. ``s`` is the cosine similarity, with
its ordinary sign (+cos), as the paper describes it. **The released TensorFlow code differs**: it computes
``s`` with ``tf.keras.losses.CosineSimilarity``, which returns the *negative* cosine, so taken literally it
pushes positives apart and pulls negatives together. We follow the paper, not that code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...core import InvalidParameterError, ShapeMismatchError

if TYPE_CHECKING:  # torch is imported lazily, at call time
    import torch

__all__ = ["multiview_contrastive_loss"]


def _weights(w, n: int, name: str, like: "torch.Tensor") -> "torch.Tensor":
    import torch

    if w is None:
        return torch.ones(n, dtype=like.dtype, device=like.device)
    w = torch.as_tensor(w, dtype=like.dtype, device=like.device).reshape(-1)
    if w.shape[0] != n:
        raise ShapeMismatchError(f"{name} must hold one weight per device, shape ({n},); received {tuple(w.shape)}")
    if not bool(torch.all(torch.isfinite(w))) or bool(torch.any(w <= 0)):
        raise InvalidParameterError(f"{name} must be finite and > 0; received {w.tolist()}")
    return w


def multiview_contrastive_loss(
    anchor: "torch.Tensor",
    positives: "torch.Tensor",
    negatives: "torch.Tensor",
    negative_counts: "torch.Tensor",
    *,
    positive_weights=None,
    negative_weights=None,
    temperature: float = 0.05,
) -> "torch.Tensor":
    """ColloSSL's weighted multi-positive, multi-negative InfoNCE (with +cosine similarity).

    Parameters
    ----------
    anchor : Tensor, shape (B, E)
        Embeddings of the anchor device's windows.
    positives : Tensor, shape (P, B, E)
        Embeddings of the positive devices' windows at the same times as the anchor's (row ``i`` is
        synchronized with anchor row ``i``).
    negatives : Tensor, shape (N, B, E)
        Embeddings of the negative devices' windows of the batch (in batch order).
    negative_counts : Tensor, shape (B, B) or (N, B, B)
        ``counts[(n,) i, j]``: how often window ``j`` of negative device ``n`` is a negative of anchor ``i``
        (zero for windows at the anchor's time; see :func:`sample_negative_counts`). A (B, B) matrix is shared by
        every negative device.
    positive_weights : array-like, shape (P,), optional
        Default 1.
    negative_weights : array-like, shape (N,), optional
        Default 1; ColloSSL uses ``1 / MMD`` normalised by the largest weight.
    temperature : float
        Softmax temperature ``tau`` > 0 (0.05 in the paper).

    Returns
    -------
    Tensor
        Scalar loss, averaged over the anchors with at least one negative (0 if there is none).
    """
    import torch
    import torch.nn.functional as F

    if not temperature > 0:
        raise InvalidParameterError(f"temperature must be > 0; received {temperature}")
    if anchor.ndim != 2:
        raise ShapeMismatchError(f"anchor must have shape (B, E); received {tuple(anchor.shape)}")
    b, e = anchor.shape
    if positives.ndim != 3 or positives.shape[1:] != (b, e) or positives.shape[0] < 1:
        raise ShapeMismatchError(f"positives must have shape (P>=1, {b}, {e}); received {tuple(positives.shape)}")
    if negatives.ndim != 3 or negatives.shape[1:] != (b, e) or negatives.shape[0] < 1:
        raise ShapeMismatchError(f"negatives must have shape (N>=1, {b}, {e}); received {tuple(negatives.shape)}")
    n_pos, n_neg = positives.shape[0], negatives.shape[0]
    counts = torch.as_tensor(negative_counts, dtype=anchor.dtype, device=anchor.device)
    if counts.ndim == 2:
        counts = counts.expand(n_neg, b, b)
    if tuple(counts.shape) != (n_neg, b, b):
        raise ShapeMismatchError(
            f"negative_counts must have shape ({b}, {b}) or ({n_neg}, {b}, {b}); received {tuple(counts.shape)}"
        )
    if bool(torch.any(counts < 0)):
        raise InvalidParameterError("negative_counts must be >= 0")
    wp = _weights(positive_weights, n_pos, "positive_weights", anchor)
    wn = _weights(negative_weights, n_neg, "negative_weights", anchor)

    a = F.normalize(anchor, dim=-1)
    # +cos, as in the paper (the TF code's keras CosineSimilarity would give -cos here).
    pos_logits = (F.normalize(positives, dim=-1) * a.unsqueeze(0)).sum(-1) / temperature  # (P, B)
    neg_logits = torch.einsum("be,nje->nbj", a, F.normalize(negatives, dim=-1)) / temperature  # (N, B, B)
    pos_terms = pos_logits + torch.log(wp)[:, None]  # log(w_p exp(s/tau))
    # log(w_n c_nij exp(s/tau)); entries with zero count become -inf and drop out of the log-sum-exp.
    neg_terms = neg_logits + torch.log(wn)[:, None, None] + torch.log(counts)
    log_pos = torch.logsumexp(pos_terms, dim=0)  # (B,)
    all_terms = torch.cat([pos_terms.T, neg_terms.permute(1, 0, 2).reshape(b, -1)], dim=1)  # (B, P + N*B)
    log_all = torch.logsumexp(all_terms, dim=1)
    has_neg = counts.sum(dim=(0, 2)) > 0
    if not bool(has_neg.any()):
        return (log_all - log_pos).sum() * 0.0
    return (log_all - log_pos)[has_neg].mean()
