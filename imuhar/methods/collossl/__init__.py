"""ColloSSL: collaborative self-supervised learning over several devices worn at once (Jain et al., IMWUT 2022).

Time-aligned windows of devices worn together are natural views of each other. Per batch, the MMD between the
anchor device's and every other device's acceleration picks positive and negative devices; positives are the
positive devices' windows at the anchor's time, negatives the negative devices' windows at other times; a
weighted multi-view InfoNCE with +cosine similarity trains one encoder shared by all devices, which is then
fine-tuned on a fraction of the anchor device's labels.

The released TensorFlow loss computes similarities with Keras' ``CosineSimilarity``, which returns the
*negative* cosine; taken literally it pushes positives apart. This package implements the loss as the paper
describes it (+cos) and says so wherever the loss is documented.

The numpy parts (MMD, device selection, sampling) import eagerly; the torch parts (loss, encoder, methods)
are imported on first access so that importing this package stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ._mmd import (
    MMD_FLOOR,
    PAPER_BANDWIDTHS,
    SELECTION_STRATEGIES,
    DeviceSelection,
    device_distances,
    gaussian_kernel_sum,
    mmd2,
    select_devices,
)
from ._sampling import device_views, other_time_mask, sample_negative_counts

_LAZY = {
    "multiview_contrastive_loss": "._loss",
    "TPNEncoder": "._encoder",
    "build_encoder": "._encoder",
    "Classifier": "._finetune",
    "label_fraction_indices": "._finetune",
    "train_classifier": "._finetune",
    "ColloSSL": "._method",
    "SimCLRBaseline": "._method",
    "SupervisedBaseline": "._method",
}

__all__ = [
    "Classifier",
    "ColloSSL",
    "DeviceSelection",
    "MMD_FLOOR",
    "PAPER_BANDWIDTHS",
    "SELECTION_STRATEGIES",
    "SimCLRBaseline",
    "SupervisedBaseline",
    "TPNEncoder",
    "build_encoder",
    "device_distances",
    "device_views",
    "gaussian_kernel_sum",
    "label_fraction_indices",
    "mmd2",
    "multiview_contrastive_loss",
    "other_time_mask",
    "sample_negative_counts",
    "select_devices",
    "train_classifier",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
