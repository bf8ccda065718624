"""Differentiable collectives over ``torch.distributed`` that also work on the gloo (CPU) backend.

``torch.distributed.nn.functional`` implements the backward of ``all_gather`` with reduce-scatter or
all-to-all, which gloo does not provide. These two functions only need ``all_reduce`` and ``all_gather``,
which every backend has. Both reduce to the identity when no process group is running, so single-process
code calls them unconditionally.

Gradient convention: each rank's loss is a *local* term and DDP averages parameter gradients over ranks.
A tensor that every rank receives (a sum or a concatenation) influences every rank's loss, so its backward
sums the incoming gradients over ranks. Together with DDP's average this gives exactly the gradient of the
global objective (mean of the local losses), i.e. what one process would compute on the full batch.
"""

from __future__ import annotations

import torch

__all__ = ["world_size", "rank", "all_reduce_sum", "all_gather_cat"]


def world_size() -> int:
    """Number of processes in the default group, 1 when ``torch.distributed`` is not initialized."""
    import torch.distributed as dist

    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def rank() -> int:
    """Rank of this process in the default group, 0 when ``torch.distributed`` is not initialized."""
    import torch.distributed as dist

    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0


class _AllReduceSum(torch.autograd.Function):
    @staticmethod
    def forward(ctx, tensor: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        import torch.distributed as dist

        out = tensor.detach().clone()
        dist.all_reduce(out, op=dist.ReduceOp.SUM)
        return out

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        import torch.distributed as dist

        grad = grad.contiguous().clone()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        return grad


class _AllGatherCat(torch.autograd.Function):
    @staticmethod
    def forward(ctx, tensor: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        import torch.distributed as dist

        n = dist.get_world_size()
        ctx.rank, ctx.rows = dist.get_rank(), tensor.shape[0]
        parts = [torch.empty_like(tensor) for _ in range(n)]
        dist.all_gather(parts, tensor.detach().contiguous())
        return torch.cat(parts, dim=0)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        import torch.distributed as dist

        grad = grad.contiguous().clone()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        return grad[ctx.rank * ctx.rows : (ctx.rank + 1) * ctx.rows]


def all_reduce_sum(tensor: torch.Tensor) -> torch.Tensor:
    """Sum ``tensor`` over all ranks, differentiably; the identity without a process group."""
    if world_size() == 1:
        return tensor
    return _AllReduceSum.apply(tensor)


def all_gather_cat(tensor: torch.Tensor) -> torch.Tensor:
    """Concatenate ``tensor`` (same shape on every rank) along dim 0 in rank order, differentiably.

    Returns ``tensor`` itself without a process group. Shape (world_size * n, ...).
    """
    if world_size() == 1:
        return tensor
    return _AllGatherCat.apply(tensor)
