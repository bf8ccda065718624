"""ColloSSL pretraining, the two baselines it is compared with, and their common fine-tuning.

* :class:`ColloSSL`: multi-device contrastive pretraining (MMD device selection per batch, time-synchronized
  positives, other-time negatives, weighted multi-view InfoNCE), then fine-tuning on the anchor device.
* :class:`SimCLRBaseline`: single-device SimCLR (two augmented views of the anchor device's window, InfoNCE),
  then the same fine-tuning.
* :class:`SupervisedBaseline`: the same encoder and head trained from scratch on the same labels.

All three follow :class:`imuhar.methods._base.Method`: ``fit(train)`` pretrains on every training window (labels
unused) and fine-tunes on ``label_fraction`` of the anchor device's labels, selecting the epoch on validation
subjects carved from the training subjects.
"""

from __future__ import annotations

import logging
from typing import Any, Sequence

import numpy as np

from ...core import UNLABELLED, InvalidParameterError, Windows, resolve_placement
from .._base import Method, carve_validation_subjects
from ._mmd import MMD_FLOOR, PAPER_BANDWIDTHS, SELECTION_STRATEGIES, device_distances, select_devices
from ._sampling import device_views, other_time_mask, sample_negative_counts

__all__ = ["ColloSSL", "SimCLRBaseline", "SupervisedBaseline"]

logger = logging.getLogger(__name__)

GRAVITY_M_S2 = 9.80665


def _acc_channels(windows: Windows) -> list[int]:
    idx = [i for i, c in enumerate(windows.channels) if c.startswith("acc.")]
    if len(idx) != 3:
        raise InvalidParameterError(f"ColloSSL needs acc.x/y/z channels; these windows have {windows.channels}")
    return idx


class _PretrainFineTune(Method):
    """Shared fine-tuning, prediction and embedding; subclasses implement :meth:`_pretrain`."""

    tags = ("self-supervised", "torch", "multi-device")

    def __init__(
        self,
        *,
        anchor: str = "left_wrist",
        encoder: Any = "tpn",
        label_fraction: float = 1.0,
        val_fraction: float = 0.2,
        freeze_blocks: int = 2,
        finetune_epochs: int = 100,
        finetune_lr: float = 1e-4,
        finetune_batch_size: int = 32,
        finetune_select_on: str = "loss",
        random_state: int = 0,
    ):
        self.anchor = anchor
        self.encoder = encoder
        self.label_fraction = label_fraction
        self.val_fraction = val_fraction
        self.freeze_blocks = freeze_blocks
        self.finetune_epochs = finetune_epochs
        self.finetune_lr = finetune_lr
        self.finetune_batch_size = finetune_batch_size
        self.finetune_select_on = finetune_select_on
        self.random_state = random_state

    # ------------------------------------------------------------------ data
    def _anchor_x(self, windows: Windows) -> np.ndarray:
        node = resolve_placement(self.anchor)
        if node not in windows.nodes:
            raise InvalidParameterError(
                f"anchor device {self.anchor!r} ({node}) is not a node of these windows; nodes are {list(windows.nodes)}"
            )
        j = windows.nodes.index(node)
        if not windows.node_mask[:, j].all():
            raise InvalidParameterError(
                f"{int((~windows.node_mask[:, j]).sum())} windows lack the anchor device {node}; keep windows that hold it"
            )
        return windows.x[:, j]

    def _build_encoder(self, windows: Windows):
        from ._encoder import build_encoder

        return build_encoder(self.encoder, in_channels=windows.n_channels, n_samples=windows.n_samples)

    # ------------------------------------------------------------------ the contract
    def pretrain(self, windows: Windows, *, verbose: bool = True) -> "_PretrainFineTune":
        """Self-supervised pretraining on (unlabelled) windows; sets ``encoder_`` and ``pretrain_history_``."""
        import torch

        torch.manual_seed(int(self.random_state))
        self.encoder_, self.pretrain_history_ = self._pretrain(windows, verbose=verbose)
        self.pretrain_subjects_ = np.unique(windows.subjects)
        return self

    def _pretrain(self, windows: Windows, *, verbose: bool):  # pragma: no cover - subclasses override
        raise NotImplementedError

    def fine_tune(self, train: Windows, *, label_fraction: float | None = None, verbose: bool = True) -> "_PretrainFineTune":
        """Fine-tune a copy of ``encoder_`` on a share of the anchor device's labelled training windows.

        Validation subjects (``val_fraction`` of the training subjects) are carved first; the same class-stratified
        label share is then drawn among the fit and among the validation subjects' windows. Sets ``model_``,
        ``finetune_history_``, ``classes_``, ``fit_subjects_``.
        """
        from ._finetune import label_fraction_indices, train_classifier

        self._check_fitted("encoder_")
        fraction = self.label_fraction if label_fraction is None else label_fraction
        labelled = train[train.labels != UNLABELLED]
        if labelled.n_windows == 0:
            raise InvalidParameterError("fine-tuning needs labelled windows; every training window is unlabelled (-1)")
        fit_mask, val_mask = carve_validation_subjects(labelled, fraction=self.val_fraction, seed=int(self.random_state))
        rng = np.random.default_rng(int(self.random_state) + 1)
        fit_idx = np.flatnonzero(fit_mask)[label_fraction_indices(labelled.labels[fit_mask], fraction, rng)]
        val_idx = np.flatnonzero(val_mask)[label_fraction_indices(labelled.labels[val_mask], fraction, rng)]
        x = self._anchor_x(labelled)
        self.model_, self.finetune_history_ = train_classifier(
            self.encoder_,
            x[fit_idx],
            labelled.labels[fit_idx],
            x[val_idx],
            labelled.labels[val_idx],
            n_classes=len(train.vocabulary),
            freeze_blocks=self._freeze_blocks(),
            epochs=self.finetune_epochs,
            lr=self.finetune_lr,
            batch_size=self.finetune_batch_size,
            select_on=self.finetune_select_on,
            seed=int(self.random_state),
            verbose=verbose,
        )
        self.finetune_history_.update(
            n_fit=int(fit_idx.size), n_val=int(val_idx.size), label_fraction=float(fraction),
            val_subjects=np.unique(labelled.subjects[val_mask]).tolist(),
        )  # fmt: skip
        self.classes_ = np.arange(len(train.vocabulary))
        self.vocabulary_ = train.vocabulary
        self.fit_subjects_ = np.union1d(np.unique(train.subjects), getattr(self, "pretrain_subjects_", []))
        return self

    def _freeze_blocks(self) -> int:
        return int(self.freeze_blocks)

    def fit(self, train: Windows, *, verbose: bool = True) -> "_PretrainFineTune":
        """Pretrain on every training window (labels unused), then fine-tune on ``label_fraction`` of the labels."""
        self.pretrain(train, verbose=verbose)
        return self.fine_tune(train, verbose=verbose)

    def predict_proba(self, windows: Windows) -> np.ndarray:
        """Class probabilities of the anchor device's windows, shape (n_windows, n_classes)."""
        import torch

        self._check_fitted("model_")
        x = torch.as_tensor(self._anchor_x(windows), dtype=torch.float32)
        self.model_.eval()
        with torch.no_grad():
            out = [torch.softmax(self.model_(x[i : i + 1024]), dim=1) for i in range(0, len(x), 1024)]
        return torch.cat(out).numpy()

    def embed(self, windows: Windows) -> np.ndarray:
        """Embeddings of the anchor device's windows by the pretrained encoder, shape (n_windows, out_dim)."""
        import torch

        self._check_fitted("encoder_")
        x = torch.as_tensor(self._anchor_x(windows), dtype=torch.float32)
        enc = self.encoder_
        was = enc.training
        enc.eval()
        with torch.no_grad():
            out = torch.cat([enc(x[i : i + 1024]) for i in range(0, len(x), 1024)]).numpy()
        enc.train(was)
        return out


class ColloSSL(_PretrainFineTune):
    """Collaborative self-supervised learning over devices worn at once (Jain et al., IMWUT 2022).

    Per batch of time-synchronized windows: the MMD between the anchor's and each other device's acceleration
    (:func:`device_distances`) ranks the devices; :func:`select_devices` picks positives and negatives;
    positives are the positive devices' windows at the anchor's time, negatives the negative devices' windows
    at other times (:func:`other_time_mask`, overlap-aware); the encoder, shared by all devices, is trained
    with :func:`multiview_contrastive_loss` (+cos similarity, as the paper describes; the released TF code's
    Keras ``CosineSimilarity`` returns -cos, which would reverse the objective).

    Parameters
    ----------
    anchor : str
        Device (node or alias) fine-tuned and evaluated on, e.g. ``"left_wrist"`` for a watch.
    devices : sequence of str, optional
        Devices contrasted with the anchor (anchor included or not); default every node present in the windows.
    encoder : str, callable or nn.Module
        ``"tpn"`` (the paper's 1-D CNN, 96-d) or see :func:`build_encoder`.
    temperature : float
        0.05 in the paper.
    strategy : str
        One of ``SELECTION_STRATEGIES``; ``"closest_pos_all_neg"`` is the paper's final choice.
    n_positives, n_hard_negatives : int
        See :func:`select_devices`.
    weighted : bool
        Negative weights ``1 / MMD``.
    mmd_metric : {"magnitude", "per_axis"}
    bandwidths : sequence of float
        Gaussian-kernel variances of the MMD, on acceleration in g.
    n_negative_samples : int or "all"
        Other-time negatives per anchor and negative device (1 in the released code; ``"all"`` takes every
        other-time window of the batch, as SimCLR does).
    projection_dim : int or None
        None (the released code): the loss acts on the encoder output. An int adds a pretraining-only head
        ``Linear(out_dim, 256) -> ReLU -> Linear(256, projection_dim)`` as SimCLR does; fine-tuning never sees it.
    batch_size, epochs, lr, schedule, weight_decay
        The shared :class:`imuhar.training.Trainer` (AdamW; ``schedule`` "constant", "cosine" or "linear" over
        the run). Paper: Adam, batch 512, lr 1e-4 with a cosine decay over 1000 steps, L2 1e-4 on the
        convolutions. The weights of the epoch with the lowest mean loss are kept, as in the released code.
    label_fraction, val_fraction, freeze_blocks, finetune_* : see fine-tuning
        Paper: freeze the first 2 conv blocks, Adam 1e-4, batch 32, 100 epochs, best validation loss
        (``finetune_select_on="loss"``; ``"f1"`` keeps the epoch of best validation macro-F1 instead).
    random_state : int
    """

    name = "collossl"

    def __init__(
        self,
        *,
        anchor: str = "left_wrist",
        devices: Sequence[str] | None = None,
        encoder: Any = "tpn",
        temperature: float = 0.05,
        strategy: str = "closest_pos_all_neg",
        n_positives: int = 1,
        n_hard_negatives: int = 2,
        weighted: bool = True,
        mmd_metric: str = "magnitude",
        bandwidths: Sequence[float] = PAPER_BANDWIDTHS,
        n_negative_samples: int | str = 1,
        projection_dim: int | None = None,
        batch_size: int = 512,
        epochs: int = 100,
        lr: float = 1e-4,
        schedule: str = "cosine",
        weight_decay: float = 1e-4,
        label_fraction: float = 1.0,
        val_fraction: float = 0.2,
        freeze_blocks: int = 2,
        finetune_epochs: int = 100,
        finetune_lr: float = 1e-4,
        finetune_batch_size: int = 32,
        finetune_select_on: str = "loss",
        random_state: int = 0,
    ):
        super().__init__(
            anchor=anchor, encoder=encoder, label_fraction=label_fraction, val_fraction=val_fraction,
            freeze_blocks=freeze_blocks, finetune_epochs=finetune_epochs, finetune_lr=finetune_lr,
            finetune_batch_size=finetune_batch_size, finetune_select_on=finetune_select_on,
            random_state=random_state,
        )  # fmt: skip
        self.devices = devices
        self.temperature = temperature
        self.strategy = strategy
        self.n_positives = n_positives
        self.n_hard_negatives = n_hard_negatives
        self.weighted = weighted
        self.mmd_metric = mmd_metric
        self.bandwidths = bandwidths
        self.n_negative_samples = n_negative_samples
        self.projection_dim = projection_dim
        self.batch_size = batch_size
        self.epochs = epochs
        self.lr = lr
        self.schedule = schedule
        self.weight_decay = weight_decay

    @classmethod
    def _test_params(cls) -> dict[str, Any]:
        return dict(anchor="right_wrist", epochs=1, batch_size=16, finetune_epochs=1, temperature=0.1)

    def _pretrain(self, windows: Windows, *, verbose: bool):
        import torch

        from ._loss import multiview_contrastive_loss
        from ._trainer import step_generator

        if self.strategy not in SELECTION_STRATEGIES:
            raise InvalidParameterError(f"strategy must be one of {SELECTION_STRATEGIES}; received {self.strategy!r}")
        anchor = resolve_placement(self.anchor)
        devices = None if self.devices is None else list(dict.fromkeys([anchor, *map(resolve_placement, self.devices)]))
        x, names, kept = device_views(windows, devices)
        if anchor not in names:
            raise InvalidParameterError(f"anchor {anchor!r} is not among the devices {list(names)} of these windows")
        a = names.index(anchor)
        rec_ids, starts = windows.recording_ids[kept], windows.start_s[kept]
        acc_idx = _acc_channels(windows)
        mmd_acc = x[:, :, acc_idx] / GRAVITY_M_S2  # MMD on acceleration in g, like the paper's scaled inputs
        # Fail early if the strategy cannot work with this many devices.
        select_devices(np.ones(len(names)), a, strategy=self.strategy, n_positives=self.n_positives,
                       n_hard_negatives=self.n_hard_negatives)  # fmt: skip
        if x.shape[0] < 2:
            raise InvalidParameterError(f"ColloSSL pretraining needs at least 2 synchronized windows; received {x.shape[0]}")

        encoder = self._build_encoder(windows)
        xt = torch.as_tensor(x, dtype=torch.float32)
        history: dict[str, Any] = {"loss": [], "positives": {}, "negatives": {}, "mmd": [], "devices": list(names)}

        def loss_fn(mod: Any, idx: Any) -> Any:
            b = idx.numpy()
            rng = step_generator()
            dist = device_distances(mmd_acc[b], a, metric=self.mmd_metric, bandwidths=self.bandwidths, floor=MMD_FLOOR)
            sel = select_devices(dist, a, strategy=self.strategy, n_positives=self.n_positives,
                                 n_hard_negatives=self.n_hard_negatives, weighted=self.weighted, rng=rng)  # fmt: skip
            allowed = other_time_mask(rec_ids[b], starts[b], windows.length_s)
            counts = np.stack([sample_negative_counts(allowed, self.n_negative_samples, rng) for _ in sel.negatives])
            used = sorted({a, *sel.positives, *sel.negatives})
            xb = xt[idx][:, used]  # (B, U, C, T): every used device of the batch through the shared encoder at once
            flat = xb.transpose(0, 1).reshape(len(used) * len(b), *xb.shape[2:])
            z = mod["head"](mod["encoder"](flat)).reshape(len(used), len(b), -1)
            pos = {d: i for i, d in enumerate(used)}
            loss = multiview_contrastive_loss(
                z[pos[a]],
                z[[pos[d] for d in sel.positives]],
                z[[pos[d] for d in sel.negatives]],
                torch.as_tensor(counts),
                positive_weights=sel.positive_weights,
                negative_weights=sel.negative_weights,
                temperature=self.temperature,
            )
            for d in sel.positives:
                history["positives"][names[d]] = history["positives"].get(names[d], 0) + 1
            for d in sel.negatives:
                history["negatives"][names[d]] = history["negatives"].get(names[d], 0) + 1
            history["mmd"].append({names[d]: float(dist[d]) for d in range(len(names)) if d != a})
            return loss

        return _contrastive_pretraining(self, encoder, x.shape[0], loss_fn, history, verbose=verbose)


def _contrastive_pretraining(
    method: Any, encoder: Any, n_windows: int, batch_loss: Any, history: dict[str, Any], *, verbose: bool
) -> tuple[Any, dict[str, Any]]:
    """The pretraining loop ColloSSL and SimCLR share: encoder + projection head, ``batch_loss(module, idx)`` per
    step, and the encoder keeps the weights of its lowest mean-loss epoch (as the released code does).

    ``method`` supplies ``projection_dim, epochs, batch_size, lr, weight_decay, schedule, random_state``; the
    epoch means go to ``history["loss"]`` and the kept epoch to ``history["best_epoch"]``.
    """
    from torch import nn

    from ._trainer import BestState, run_trainer

    module = nn.ModuleDict({"encoder": encoder, "head": _projection_head(encoder.out_dim, method.projection_dim)})
    epoch_losses: list[float] = []
    best = BestState(encoder)

    def loss_fn(mod: Any, idx: Any) -> Any:
        loss = batch_loss(mod, idx)
        epoch_losses.append(loss.item())
        return loss

    def on_epoch_end(epoch: int, mod: Any) -> dict[str, float]:
        mean = float(np.mean(epoch_losses))
        epoch_losses.clear()
        history["loss"].append(mean)
        best.offer(epoch, mod["encoder"], (mean,))
        return {}

    run_trainer(
        module, n_windows, loss_fn, epochs=method.epochs, batch_size=method.batch_size, lr=method.lr,
        weight_decay=method.weight_decay, schedule=method.schedule, seed=int(method.random_state), verbose=verbose,
        on_epoch_end=on_epoch_end,
    )  # fmt: skip
    encoder.load_state_dict(best.state)
    encoder.eval()
    history["best_epoch"] = best.epoch
    return encoder, history


def _projection_head(in_dim: int, projection_dim: int | None):
    """SimCLR's pretraining-only projection ``Linear -> ReLU -> Linear``, or identity when ``projection_dim`` is None."""
    from torch import nn

    if projection_dim is None:
        return nn.Identity()
    if isinstance(projection_dim, bool) or not isinstance(projection_dim, (int, np.integer)) or projection_dim < 1:
        raise InvalidParameterError(f"projection_dim must be a positive int or None; received {projection_dim!r}")
    return nn.Sequential(nn.Linear(int(in_dim), 256), nn.ReLU(), nn.Linear(256, int(projection_dim)))


class SimCLRBaseline(_PretrainFineTune):
    """Single-device SimCLR on the anchor device: two random augmentations of a window are positives.

    The loss is the shared symmetric InfoNCE (:func:`imuhar.training.info_nce`, inverse temperature
    ``1 / temperature``): each view's negatives are the other view of every other window of the batch.

    Augmentations (``imuhar.augment``): a random SO(3) rotation of the device, per-channel scaling N(1, 0.1²)
    and Gaussian jitter (0.05 g on acc, 0.05 rad/s on gyro) by default. Encoder, head and fine-tuning are the
    same as :class:`ColloSSL`'s; a 2-layer projection head is used in pretraining only, as in SimCLR.

    Parameters
    ----------
    anchor, encoder, label_fraction, val_fraction, freeze_blocks, finetune_* , random_state
        As for :class:`ColloSSL`.
    augmentation : imuhar.augment.Transform, optional
        Applied to (batch, 1, channels, samples) arrays.
    temperature : float
        InfoNCE temperature (0.1 in Tang et al.'s SimCLR for HAR).
    projection_dim : int or None
        Width of the projection head; None trains the loss on the encoder output directly.
    batch_size, epochs, lr, schedule, weight_decay
        The shared :class:`imuhar.training.Trainer` settings; the lowest-loss epoch's weights are kept.
    """

    name = "simclr-har"
    tags = ("self-supervised", "torch", "single-device")

    def __init__(
        self,
        *,
        anchor: str = "left_wrist",
        encoder: Any = "tpn",
        augmentation: Any = None,
        temperature: float = 0.1,
        projection_dim: int | None = 128,
        batch_size: int = 512,
        epochs: int = 100,
        lr: float = 1e-3,
        schedule: str = "cosine",
        weight_decay: float = 1e-4,
        label_fraction: float = 1.0,
        val_fraction: float = 0.2,
        freeze_blocks: int = 2,
        finetune_epochs: int = 100,
        finetune_lr: float = 1e-4,
        finetune_batch_size: int = 32,
        finetune_select_on: str = "loss",
        random_state: int = 0,
    ):
        super().__init__(
            anchor=anchor, encoder=encoder, label_fraction=label_fraction, val_fraction=val_fraction,
            freeze_blocks=freeze_blocks, finetune_epochs=finetune_epochs, finetune_lr=finetune_lr,
            finetune_batch_size=finetune_batch_size, finetune_select_on=finetune_select_on,
            random_state=random_state,
        )  # fmt: skip
        self.augmentation = augmentation
        self.temperature = temperature
        self.projection_dim = projection_dim
        self.batch_size = batch_size
        self.epochs = epochs
        self.lr = lr
        self.schedule = schedule
        self.weight_decay = weight_decay

    @classmethod
    def _test_params(cls) -> dict[str, Any]:
        return dict(anchor="right_wrist", epochs=1, batch_size=16, finetune_epochs=1)

    def _augmentation(self, channels: Sequence[str]):
        if self.augmentation is not None:
            return self.augmentation
        from ...augment import Compose, Jitter, RandomRotation, Scaling

        sigma = {c.split(".")[0]: (0.05 * GRAVITY_M_S2 if c.startswith("acc") else 0.05) for c in channels}
        return Compose([RandomRotation(channels=channels), Scaling(sigma=0.1, channels=channels),
                        Jitter(sigma=sigma, channels=channels)])  # fmt: skip

    def _pretrain(self, windows: Windows, *, verbose: bool):
        import torch

        from ...training import info_nce
        from ._trainer import step_generator

        x = self._anchor_x(windows)[:, None]  # (W, 1, C, T): the augmentations act on node axes
        aug = self._augmentation(windows.channels)
        encoder = self._build_encoder(windows)

        def loss_fn(mod: Any, idx: Any) -> Any:
            xb, rng = x[idx.numpy()], step_generator()
            v1 = torch.as_tensor(np.asarray(aug(xb, rng=rng))[:, 0], dtype=torch.float32)
            v2 = torch.as_tensor(np.asarray(aug(xb, rng=rng))[:, 0], dtype=torch.float32)
            z1, z2 = mod["head"](mod["encoder"](v1)), mod["head"](mod["encoder"](v2))
            return info_nce(z1, z2, 1.0 / float(self.temperature), symmetric=True, gather=False)

        return _contrastive_pretraining(self, encoder, x.shape[0], loss_fn, {"loss": []}, verbose=verbose)


class SupervisedBaseline(_PretrainFineTune):
    """The same encoder and head trained from random weights on the same labels (no layer frozen).

    Parameters are those of the fine-tuning of :class:`ColloSSL`; ``freeze_blocks`` is ignored (always 0).
    """

    name = "supervised-tpn"
    tags = ("supervised", "torch")

    @classmethod
    def _test_params(cls) -> dict[str, Any]:
        return dict(anchor="right_wrist", finetune_epochs=1)

    def _pretrain(self, windows: Windows, *, verbose: bool):
        return self._build_encoder(windows), {}

    def _freeze_blocks(self) -> int:
        return 0
