"""`FusionActNet`: static/dynamic residual experts mixed by a residual-MobileNet gate, honestly selected."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from ...core import InvalidParameterError, Windows
from ...models.weights import sha256_file
from .._base import Method, carve_validation_subjects
from ._inputs import InputSpec, class_groups
from ._networks import FusionNetwork, ResidualMobileNet, ResNetExpert
from ._train import Augmenter, train_stage

__all__ = ["FusionActNet"]

logger = logging.getLogger(__name__)

_ARCHS = ("resnet", "mobilenet")
_SELECTIONS = ("validation", "refit", "last")


class FusionActNet(Method):
    """FusionActNet (Saha et al., IEEE Sensors Letters 2024) with model selection on training subjects only.

    Stage 1 trains a static expert on the windows of static classes only and a dynamic expert on the windows
    of dynamic classes only (grouping from the vocabulary's ``Activity.kind``). Stage 2 trains a residual
    MobileNet gate ``g = sigmoid(gate(x))``; the output is ``g * p_static`` and ``(1 - g) * p_dynamic`` placed
    at their classes' columns of the vocabulary. By default every stage keeps the epoch with the best validation
    accuracy, on subjects carved from the training windows (:func:`~imuhar.methods.carve_validation_subjects`);
    ``epoch_selection`` can instead refit on all training subjects or train fixed epoch counts on them.

    Parameters
    ----------
    use_gate : bool
        False trains the ablation: one residual network over all classes (same blocks, no experts, no gate).
    members : sequence of {"resnet", "mobilenet"}
        Expert architecture of each ensemble member; members are trained independently (seed ``seed + i``,
        also drawing their own validation subjects) and their probabilities averaged.
        ``("resnet", "mobilenet")`` is the paper's v1 ensemble.
    expert_widths : sequence of int
        Channels of the residual blocks (each halves time). The paper uses 64-128-256-512-512; the default
        is smaller to train on a shared CPU.
    kernel_size : int
        Temporal kernel of the expert convolutions, samples.
    gate_widths, gate_units : sequence of int
        Stage widths and units per stage of the residual MobileNet (gate, and experts of "mobilenet" members).
    dropout : float
    expert_epochs, gate_epochs : int
        Epochs of stage 1 (per expert) and stage 2.
    batch_size : int
    lr, gate_lr : float
        AdamW learning rates of the experts (stage 1) and the gate (stage 2); cosine-annealed.
    expert_lr_mult : float
        Stage-2 learning rate of the experts as a multiple of ``gate_lr``; 0 freezes them (weights and
        batch-norm statistics).
    weight_decay : float
    label_smoothing : float
        For the stage-1 cross-entropy.
    augment : bool
        Random per-window amplitude scaling (sigma 0.1), Gaussian jitter (0.05 standard units) and circular
        time shift (up to 1/4 window) during training.
    rotation_axis : {"x", "y", "z"} or None
        With ``augment``, also rotate each node's sensor triads about this device axis by a random angle up
        to ``rotation_max_deg`` (posture-preserving roll of the device; see
        :class:`~imuhar.methods.fusionactnet._train.Augmenter`).
    rotation_max_deg : float
    transition_group : {"dynamic", "static", "drop"}
        Group of postural-transition classes.
    validation_fraction : float
        Share of training subjects held out for model selection.
    validation_subjects : sequence, optional
        Explicit validation subjects; must be training subjects.
    epoch_selection : {"validation", "refit", "last"}
        How each stage's training length is settled. ``"validation"``: keep the epoch with the best accuracy on
        the carved validation subjects (the final weights never saw those subjects). ``"refit"``: the same, then
        train the member afresh on *all* training windows for each stage's selected number of epochs (cosine
        schedule of that length) and keep the last epoch; costs about twice as much. ``"last"``: no carving:
        train on all training windows for ``expert_epochs`` / ``gate_epochs`` and keep the last epoch (those
        counts are then hyper-parameters to settle on validation subjects beforehand).
    first_candidate_epoch : int
        Earliest epoch a stage's model selection may keep (default 2: never the learning-rate warm-up epoch,
        whose weights are far from converged even when a few validation subjects happen to favour them).
    standardize : bool
        Standardize each input channel with the mean/std of the fitting windows.
    seed : int
    device : str
    """

    name = "fusionactnet"
    tags = ("supervised", "torch", "mixture-of-experts")

    def __init__(
        self,
        *,
        use_gate: bool = True,
        members: Sequence[str] = ("resnet",),
        expert_widths: Sequence[int] = (32, 64, 128),
        kernel_size: int = 5,
        gate_widths: Sequence[int] = (32, 64, 128),
        gate_units: Sequence[int] = (1, 2, 2),
        dropout: float = 0.2,
        expert_epochs: int = 30,
        gate_epochs: int = 10,
        batch_size: int = 64,
        lr: float = 1e-3,
        gate_lr: float = 1e-3,
        expert_lr_mult: float = 0.0,
        weight_decay: float = 1e-4,
        label_smoothing: float = 0.0,
        augment: bool = True,
        rotation_axis: str | None = None,
        rotation_max_deg: float = 0.0,
        transition_group: str = "dynamic",
        validation_fraction: float = 0.2,
        validation_subjects: Sequence[Any] | None = None,
        epoch_selection: str = "validation",
        first_candidate_epoch: int = 2,
        standardize: bool = True,
        seed: int = 0,
        device: str = "cpu",
    ) -> None:
        self.use_gate = use_gate
        self.members = members
        self.expert_widths = expert_widths
        self.kernel_size = kernel_size
        self.gate_widths = gate_widths
        self.gate_units = gate_units
        self.dropout = dropout
        self.expert_epochs = expert_epochs
        self.gate_epochs = gate_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.gate_lr = gate_lr
        self.expert_lr_mult = expert_lr_mult
        self.weight_decay = weight_decay
        self.label_smoothing = label_smoothing
        self.augment = augment
        self.rotation_axis = rotation_axis
        self.rotation_max_deg = rotation_max_deg
        self.transition_group = transition_group
        self.validation_fraction = validation_fraction
        self.validation_subjects = validation_subjects
        self.epoch_selection = epoch_selection
        self.first_candidate_epoch = first_candidate_epoch
        self.standardize = standardize
        self.seed = seed
        self.device = device

    @classmethod
    def _test_params(cls) -> dict[str, Any]:
        return dict(expert_widths=(8, 16), gate_widths=(8,), gate_units=(1,), expert_epochs=2, gate_epochs=1, batch_size=16)

    # ------------------------------------------------------------------ validation of parameters
    def _check_params(self) -> None:
        bad = [m for m in self.members if m not in _ARCHS]
        if not len(self.members) or bad:
            raise InvalidParameterError(f"members must be a non-empty sequence of {_ARCHS}; received {self.members!r}")
        for name in ("expert_epochs", "gate_epochs", "batch_size", "kernel_size"):
            if int(getattr(self, name)) < 1:
                raise InvalidParameterError(f"{name} must be a positive integer; received {getattr(self, name)!r}")
        if self.epoch_selection not in _SELECTIONS:
            raise InvalidParameterError(
                f"epoch_selection must be one of {_SELECTIONS}; received {self.epoch_selection!r}"
            )
        if self.rotation_axis not in (None, "x", "y", "z"):
            raise InvalidParameterError(f"rotation_axis must be 'x', 'y', 'z' or None; received {self.rotation_axis!r}")
        if self.expert_lr_mult < 0:
            raise InvalidParameterError(f"expert_lr_mult must be >= 0 (0 freezes the experts); received {self.expert_lr_mult}")
        if not 0 <= self.dropout < 1:
            raise InvalidParameterError(f"dropout must lie in [0, 1); received {self.dropout}")

    # ------------------------------------------------------------------ builders
    def _classifier(self, arch: str, n_in: int, n_out: int) -> nn.Module:
        if arch == "resnet":
            return ResNetExpert(n_in, n_out, self.expert_widths, self.kernel_size, self.dropout)
        return ResidualMobileNet(
            n_in, n_out, widths=self.gate_widths, units=self.gate_units, kernel_size=self.kernel_size, dropout=self.dropout
        )

    def _gate(self, n_in: int) -> nn.Module:
        return ResidualMobileNet(n_in, 1, widths=self.gate_widths, units=self.gate_units, kernel_size=self.kernel_size, dropout=self.dropout)

    # ------------------------------------------------------------------ fit
    def fit(self, train: Windows, *, verbose: bool = True) -> "FusionActNet":
        """Train on labelled windows; validation subjects are carved from them for model selection.

        Parameters
        ----------
        train : Windows
            Training windows, shape (n_windows, n_nodes, n_channels, n_samples). Unlabelled windows are
            ignored. Class ids index ``train.vocabulary`` and so do the columns of :meth:`predict_proba`.
        verbose : bool
            tqdm progress bars per stage.
        """
        self._check_params()
        if not isinstance(train, Windows):
            raise InvalidParameterError(f"fit expects a Windows batch; received {type(train).__name__}")
        t0 = time.perf_counter()
        train = train[train.labels >= 0]
        static_ids, dynamic_ids = class_groups(train.vocabulary, train.labels, transition_group=self.transition_group)
        keep = np.isin(train.labels, static_ids + dynamic_ids)
        if not keep.any():
            raise InvalidParameterError("the training windows hold no labelled window of a usable class")
        train = train[keep]
        self.vocabulary_ = train.vocabulary
        self.static_ids_, self.dynamic_ids_ = static_ids, dynamic_ids
        self.fit_subjects_ = np.unique(train.subjects)
        # Standardization statistics come from all training windows (never from evaluation windows).
        self.input_ = InputSpec.fit(train, standardize=self.standardize)
        x = torch.from_numpy(self.input_.transform(train))
        y = torch.from_numpy(train.labels)
        self.networks_: list[nn.Module] = []
        self.history_: list[dict[str, Any]] = []
        validation: list[np.ndarray] = []
        everything = np.arange(len(y))
        for m, arch in enumerate(self.members):
            if self.epoch_selection == "last":
                # Fixed epoch counts: every training subject fits, none is held out.
                net, hist = self._fit_member(arch, self.seed + m, x, y, everything, everything[:0], verbose)
                hist["validation_subjects"] = []
                self.networks_.append(net.eval())
                self.history_.append(hist)
                continue
            # Each member carves its own validation subjects (seed + m), so an ensemble fits on every subject.
            fit_mask, val_mask = carve_validation_subjects(
                train, fraction=self.validation_fraction, subjects=self.validation_subjects, seed=self.seed + m
            )
            fit_idx, val_idx = np.flatnonzero(fit_mask), np.flatnonzero(val_mask)
            validation.append(np.unique(train.subjects[val_mask]))
            logger.info(
                "FusionActNet member %d (%s): %d fitting windows (%d subjects), %d validation windows (subjects %s); "
                "static %s, dynamic %s", m, arch, len(fit_idx), len(np.unique(train.subjects[fit_mask])), len(val_idx),
                validation[-1].tolist(), [train.vocabulary[i].name for i in static_ids],
                [train.vocabulary[i].name for i in dynamic_ids],
            )  # fmt: skip
            net, hist = self._fit_member(arch, self.seed + m, x, y, fit_idx, val_idx, verbose)
            hist["validation_subjects"] = validation[-1].tolist()
            if self.epoch_selection == "refit":
                # Same seed, all training windows, each stage as long as its validation-selected epoch.
                chosen = {k: v["best_epoch"] for k, v in hist.items() if isinstance(v, dict) and "best_epoch" in v}
                net, refit = self._fit_member(arch, self.seed + m, x, y, everything, everything[:0], verbose, epochs=chosen)
                hist["refit"] = {k: v for k, v in refit.items() if isinstance(v, dict)}
                hist["refit_epochs"] = chosen
            self.networks_.append(net.eval())
            self.history_.append(hist)
        self.validation_subjects_ = np.unique(np.concatenate(validation)) if validation else np.asarray([], dtype=str)
        self.fit_time_s_ = time.perf_counter() - t0
        return self

    def _stage_kwargs(self, verbose: bool, seed: int) -> dict[str, Any]:
        augment = None
        if self.augment:
            augment = Augmenter(
                n_nodes=len(self.input_.nodes), channels=self.input_.channels, mean=self.input_.mean,
                std=self.input_.std, seed=seed, rotation_axis=self.rotation_axis, rotation_max_deg=self.rotation_max_deg,
            )  # fmt: skip
        return dict(
            batch_size=self.batch_size, weight_decay=self.weight_decay, augment=augment, device=self.device,
            verbose=verbose, first_candidate_epoch=int(self.first_candidate_epoch),
        )  # fmt: skip

    def _build_member(self, arch: str, n_in: int, n_classes: int) -> nn.Module:
        """An untrained member: a :class:`FusionNetwork` (or, without the gate, one masked classifier)."""
        if not self.use_gate:
            present = self.static_ids_ + self.dynamic_ids_
            return _MaskedClassifier(self._classifier(arch, n_in, len(present)), present, n_classes)
        # A group of zero or one class needs no expert (its conditional probability is 1).
        static = self._classifier(arch, n_in, len(self.static_ids_)) if len(self.static_ids_) > 1 else None
        dynamic = self._classifier(arch, n_in, len(self.dynamic_ids_)) if len(self.dynamic_ids_) > 1 else None
        both = bool(self.static_ids_) and bool(self.dynamic_ids_)
        return FusionNetwork(n_classes, self.static_ids_, self.dynamic_ids_, static, dynamic, self._gate(n_in) if both else None)

    def _fit_member(self, arch, seed, x, y, fit_idx, val_idx, verbose, epochs=None) -> tuple[nn.Module, dict[str, Any]]:
        """Train one member; ``epochs`` (stage name -> count) overrides ``expert_epochs`` / ``gate_epochs``.
        With no validation rows every stage keeps its last epoch."""
        epochs = dict(epochs or {})
        n_epochs = lambda stage, default: int(epochs.get(stage, default))  # noqa: E731
        torch.manual_seed(seed)
        n_classes = len(self.vocabulary_)
        net = self._build_member(arch, x.shape[1], n_classes)
        hist: dict[str, Any] = {"arch": arch, "seed": seed}
        kw = self._stage_kwargs(verbose, seed)
        if not self.use_gate:
            hist["single"] = train_stage(
                net, x, y, fit_idx, val_idx, lr=self.lr, epochs=n_epochs("single", self.expert_epochs), seed=seed,
                label_smoothing=self.label_smoothing, desc=f"{arch} (no gate)", **kw,
            )  # fmt: skip
            return net, hist
        # Stage 1: each expert on its own classes' windows only.
        for group, ids in (("static", self.static_ids_), ("dynamic", self.dynamic_ids_)):
            expert = getattr(net, f"{group}_expert")
            if expert is None:
                continue
            in_group = lambda idx: idx[np.isin(y[idx].numpy(), ids)]  # noqa: E731
            hist[group] = train_stage(
                _MaskedClassifier(expert, ids, n_classes), x, y, in_group(fit_idx), in_group(val_idx),
                lr=self.lr, epochs=n_epochs(group, self.expert_epochs), seed=seed,
                label_smoothing=self.label_smoothing, desc=f"{group} expert ({arch})", **kw,
            )  # fmt: skip
        # Stage 2: the gate on all windows; experts frozen or fine-tuned at a relative rate.
        if net.gate is not None:
            trained = [e for e in (net.static_expert, net.dynamic_expert) if e is not None]
            frozen = self.expert_lr_mult == 0
            for p in (p for e in trained for p in e.parameters()):
                p.requires_grad_(not frozen)
            hist["gate"] = train_stage(
                net, x, y, fit_idx, val_idx, lr=self.gate_lr, epochs=n_epochs("gate", self.gate_epochs), seed=seed + 1000,
                frozen=trained if frozen else [], slow=[] if frozen else trained, slow_mult=self.expert_lr_mult,
                desc=f"gate ({arch})", **kw,
            )
            for p in net.parameters():
                p.requires_grad_(True)
        return net, hist

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Write the fitted model as ``<path>.safetensors`` plus ``<path>.json`` (parameters, vocabulary,
        input standardization, class groups, subjects seen, selection history). Returns the safetensors path."""
        from ...models.weights import save_tensors, write_json_atomic

        self._check_fitted("networks_", "input_")
        path = Path(path)
        tensors_path = path if path.suffix == ".safetensors" else path.with_name(path.name + ".safetensors")
        tensors = {f"member{i}.{k}": v for i, net in enumerate(self.networks_) for k, v in net.state_dict().items()}
        save_tensors(tensors, tensors_path, metadata={"format": "imuhar.fusionactnet", "version": "1"})
        params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.get_params().items()}
        config = {
            "method": self.name,
            "params": params,
            "vocabulary": self.vocabulary_.to_dict(),
            "static_ids": self.static_ids_,
            "dynamic_ids": self.dynamic_ids_,
            "input": self.input_.to_dict(),
            "fit_subjects": self.fit_subjects_.tolist(),
            "validation_subjects": self.validation_subjects_.tolist(),
            "fit_time_s": self.fit_time_s_,
            "history": self.history_,
            "weights_sha256": sha256_file(tensors_path),
        }
        write_json_atomic(config, tensors_path.with_suffix(".json"))
        return tensors_path

    @classmethod
    def load(cls, path: str | Path) -> "FusionActNet":
        """Rebuild a model written by :meth:`save` (safetensors only; nothing is unpickled)."""
        import json

        from ...core import DataFormatError, LabelVocabulary
        from ...models.weights import load_tensors

        path = Path(path)
        tensors_path = path if path.suffix == ".safetensors" else path.with_name(path.name + ".safetensors")
        config_path = tensors_path.with_suffix(".json")
        if not config_path.exists():
            from ...core import DataNotFoundError

            raise DataNotFoundError(f"{config_path} is missing; FusionActNet.save writes it beside {tensors_path.name}")
        config = json.loads(config_path.read_text())
        if config.get("method") != cls.name:
            raise DataFormatError(f"{config_path} describes method {config.get('method')!r}, not {cls.name!r}")
        params = {k: (tuple(v) if isinstance(v, list) else v) for k, v in config["params"].items()}
        model = cls(**params)
        model.vocabulary_ = LabelVocabulary.from_dict(config["vocabulary"])
        model.static_ids_, model.dynamic_ids_ = list(config["static_ids"]), list(config["dynamic_ids"])
        model.input_ = InputSpec.from_dict(config["input"])
        model.fit_subjects_ = np.asarray(config["fit_subjects"], dtype=str)
        model.validation_subjects_ = np.asarray(config["validation_subjects"], dtype=str)
        model.fit_time_s_, model.history_ = config.get("fit_time_s"), config.get("history", [])
        tensors, _ = load_tensors(tensors_path)
        model.networks_ = []
        for i, arch in enumerate(model.members):
            net = model._build_member(arch, model.input_.n_inputs, len(model.vocabulary_))
            prefix = f"member{i}."
            net.load_state_dict({k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}, strict=True)
            model.networks_.append(net.eval())
        return model

    # ------------------------------------------------------------------ inference
    @torch.no_grad()
    def _log_proba(self, windows: Windows, batch_size: int = 512) -> tuple[np.ndarray, np.ndarray | None]:
        self._check_fitted("networks_", "input_")
        if windows.vocabulary.names and windows.vocabulary.names != self.vocabulary_.names:
            raise InvalidParameterError(
                f"the windows' vocabulary {list(windows.vocabulary.names)} differs from the one seen by fit "
                f"{list(self.vocabulary_.names)}; columns would not line up"
            )
        x = torch.from_numpy(self.input_.transform(windows))
        probs, gates = [], []
        for net in self.networks_:
            net.eval()
            lp, gs = [], []
            for i in range(0, len(x), batch_size):
                out = net(x[i : i + batch_size].to(self.device))
                if isinstance(out, tuple):
                    out, g = out
                    gs.append(g.cpu())
                lp.append(out.cpu())
            probs.append(torch.cat(lp).exp())
            if gs:
                gates.append(torch.cat(gs))
        p = torch.stack(probs).mean(0)
        g = torch.stack(gates).mean(0).numpy() if gates else None
        return p.numpy().astype(np.float64), g

    def predict_proba(self, windows: Windows) -> np.ndarray:
        """Class probabilities, shape (n_windows, n_classes) in the vocabulary's order; rows sum to 1.

        Classes absent from the training windows (or dropped transitions) get probability 0.
        """
        p, _ = self._log_proba(windows)
        return p / p.sum(axis=1, keepdims=True)

    def gate(self, windows: Windows) -> np.ndarray:
        """Weight of the static expert per window, shape (n_windows,), in (0, 1) (mean over members)."""
        if not self.use_gate:
            raise InvalidParameterError("this FusionActNet was built with use_gate=False; it has no gate")
        _, g = self._log_proba(windows)
        return g

    @torch.no_grad()
    def embed(self, windows: Windows, batch_size: int = 512) -> np.ndarray:
        """Pooled features of every sub-network (experts, gate) of every member, concatenated.

        Returns
        -------
        ndarray, shape (n_windows, embedding_dim)
        """
        self._check_fitted("networks_", "input_")
        x = torch.from_numpy(self.input_.transform(windows))
        feats = []
        for net in self.networks_:
            net.eval()
            parts = [m for m in _feature_modules(net)]
            out = [torch.cat([m.features(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]) for m in parts]
            feats.extend(out)
        return torch.cat(feats, dim=1).numpy()


def _feature_modules(net: nn.Module) -> list[nn.Module]:
    if isinstance(net, _MaskedClassifier):
        return [net.inner]
    return [m for m in (net.static_expert, net.dynamic_expert, net.gate) if m is not None]


class _MaskedClassifier(nn.Module):
    """A classifier over some classes, returning log-probabilities over all ``n_classes`` (-inf elsewhere)."""

    def __init__(self, inner: nn.Module, ids: Sequence[int], n_classes: int) -> None:
        super().__init__()
        self.inner = inner
        self.n_classes = n_classes
        self.register_buffer("ids", torch.as_tensor(list(ids), dtype=torch.long), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x.new_full((x.shape[0], self.n_classes), float("-inf"))
        out[:, self.ids] = torch.log_softmax(self.inner(x), dim=-1)
        return out
