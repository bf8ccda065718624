"""`Comodo`: label-free cross-modal distillation of a frozen teacher into an IMU encoder, as a `Method`."""

from __future__ import annotations

import logging
from typing import Any, ClassVar, Sequence

import numpy as np

from imuhar.core import InvalidParameterError, NotFittedError, ShapeMismatchError, Windows

from .._base import Method
from ._evaluate import PAPER_C_GRID, SVMProtocolResult, svm_protocol
from ._teachers import ModuleTeacher, PrecomputedTeacher, Teacher
from ._train import OBJECTIVES, DistillationHistory, distill, recalibrate_batchnorm

__all__ = ["Comodo"]

logger = logging.getLogger(__name__)


class Comodo(Method):
    """COMODO (Chen et al., 2025): an IMU student learns a frozen teacher's similarity structure via a queue.

    ``fit`` embeds the teacher's inputs once, trains ``encoder`` + a projection head with the chosen
    objective, drops the head, and (when the training windows carry labels) fits the paper's SVM probe on the
    backbone embeddings so that :meth:`predict_proba` works. Distillation itself never reads a label.

    Parameters
    ----------
    teacher : Teacher
        :class:`ModuleTeacher`, :class:`VideoTeacher`, :class:`PrecomputedTeacher` or any :class:`Teacher`.
    encoder : str
        Student backbone from :func:`imuhar.models.list_encoders`.
    encoder_params : dict, optional
        Its keyword arguments (``n_nodes`` defaults to the windows' node count).
    objective : {"comodo", "infonce", "l2", "none"}
        The queue loss, the two baselines, or ``"none"``: no training, the randomly initialized student (the
        no-distillation reference).
    calibrate_batchnorm : bool
        With ``objective="none"``: estimate the untrained student's batch-norm running statistics on the
        training windows (no gradient step, no label) instead of keeping the initial mean 0 / variance 1.
    queue_size : int
        ``K`` (16384 in the paper); must be smaller than the number of training windows.
    teacher_temperature, student_temperature : float
        0.1 and 0.05 in the paper.
    infonce_temperature : float
        Temperature of the InfoNCE baseline (0.1).
    epochs, batch_size, lr, weight_decay, warmup_fraction
        AdamW 3e-4, 10 % linear warm-up then linear decay, 20 epochs, batch 128 in the paper.
    head_hidden_dim : int
        Hidden width of the projection head (2048).
    seed : int
        Student initialization and batch order.
    queue_seed : int
        Which clips seed the queue (16349 in the official code).
    augmentation : imuhar.augment.Transform or callable, optional
        Student-side augmentation of every training batch (the teacher's targets stay the clean clip's); see
        :func:`imuhar.methods.comodo.distill`. None (default, as the paper) trains on the clips as they are.
    svm_c_grid : sequence of float
        The probe's C grid.
    svm_folds : int
        Grouped CV folds of the probe (whole training subjects).
    teacher_cache : path, optional
        ``.safetensors`` file caching the teacher embeddings of the training inputs.
    device : str
    """

    name: ClassVar[str] = "comodo"
    tags: ClassVar[tuple[str, ...]] = ("self-supervised", "distillation", "cross-modal", "torch")

    def __init__(
        self,
        *,
        teacher: Teacher | None = None,
        encoder: str = "cnn",
        encoder_params: dict[str, Any] | None = None,
        objective: str = "comodo",
        calibrate_batchnorm: bool = False,
        queue_size: int = 16384,
        teacher_temperature: float = 0.1,
        student_temperature: float = 0.05,
        infonce_temperature: float = 0.1,
        epochs: int = 20,
        batch_size: int = 128,
        lr: float = 3e-4,
        weight_decay: float = 0.01,
        warmup_fraction: float = 0.1,
        head_hidden_dim: int = 2048,
        seed: int = 42,
        queue_seed: int = 16349,
        augmentation: Any = None,
        svm_c_grid: Sequence[float] = PAPER_C_GRID,
        svm_folds: int = 5,
        teacher_cache: str | None = None,
        device: str = "cpu",
    ) -> None:
        self.teacher = teacher
        self.encoder = encoder
        self.encoder_params = encoder_params
        self.objective = objective
        self.calibrate_batchnorm = calibrate_batchnorm
        self.queue_size = queue_size
        self.teacher_temperature = teacher_temperature
        self.student_temperature = student_temperature
        self.infonce_temperature = infonce_temperature
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.warmup_fraction = warmup_fraction
        self.head_hidden_dim = head_hidden_dim
        self.seed = seed
        self.queue_seed = queue_seed
        self.augmentation = augmentation
        self.svm_c_grid = svm_c_grid
        self.svm_folds = svm_folds
        self.teacher_cache = teacher_cache
        self.device = device

    @classmethod
    def _test_params(cls) -> dict[str, Any]:
        import torch

        from imuhar.models import CNNEncoder

        teacher_net = CNNEncoder(widths=(8,), kernel_size=3, embed_dim=12)
        with torch.no_grad():  # a fixed random teacher over all nodes: runs offline, deterministic
            for p in teacher_net.parameters():
                p.copy_(torch.linspace(-0.5, 0.5, p.numel()).reshape(p.shape))
        return {
            "teacher": ModuleTeacher(teacher_net, embed_dim=16, hidden_dim=32),
            "encoder": "cnn",
            "encoder_params": {"widths": (8, 8), "kernel_size": 3, "embed_dim": 16},
            "queue_size": 8,
            "epochs": 2,
            "batch_size": 8,
            "head_hidden_dim": 32,
        }

    # ------------------------------------------------------------------ fitting
    def teacher_embeddings(self, inputs: Any, *, verbose: bool = True) -> np.ndarray:
        """The teacher's (cached) embeddings of ``inputs``, shape (n, dim)."""
        if not isinstance(self.teacher, Teacher):
            raise InvalidParameterError(
                f"Comodo needs a Teacher (ModuleTeacher, VideoTeacher, PrecomputedTeacher); received "
                f"{type(self.teacher).__name__}"
            )
        return self.teacher.embed(inputs, verbose=verbose, cache_path=self.teacher_cache)

    def fit(
        self, train: Windows, *, teacher_inputs: Any = None, views_of: Any = None, verbose: bool = True
    ) -> "Comodo":
        """Distill the teacher into the student on ``train``, then fit the SVM probe if labels exist.

        Parameters
        ----------
        train : Windows
            The student's IMU windows (training subjects only).
        teacher_inputs : optional
            The teacher's view of the same samples, row-aligned with ``train`` (skeleton-simulated IMU, video
            clips, row ids of a :class:`PrecomputedTeacher`). Default: ``train`` itself for module teachers
            (``(x, node_mask)``), every row in order for a precomputed teacher.
        views_of : array-like, shape (n_windows,), optional
            Sample id per window when windows are views of fewer samples (time crops of one trial): each epoch
            then draws one view per sample (see :func:`imuhar.methods.comodo.distill`).
        verbose : bool
        """
        from ._student import build_student

        if not isinstance(train, Windows):
            raise InvalidParameterError(f"fit takes imuhar.core.Windows; received {type(train).__name__}")
        if self.objective not in OBJECTIVES + ("none",):
            raise InvalidParameterError(
                f"objective must be one of {OBJECTIVES + ('none',)}; received {self.objective!r}"
            )
        n = train.n_windows
        if teacher_inputs is None:
            teacher_inputs = None if isinstance(self.teacher, PrecomputedTeacher) else train
        if self.objective != "none":
            z_t = self.teacher_embeddings(teacher_inputs, verbose=verbose)
            if z_t.shape[0] != n:
                raise ShapeMismatchError(
                    f"the teacher gave {z_t.shape[0]} embeddings for {n} training windows; teacher_inputs must be "
                    f"row-aligned with train"
                )
            out_dim = int(z_t.shape[1])
        else:
            z_t, out_dim = None, 128
        student = build_student(
            self.encoder,
            n_nodes=train.n_nodes,
            out_dim=out_dim,
            encoder_params=self.encoder_params,
            head_hidden_dim=self.head_hidden_dim,
            seed=self.seed,
        )
        if z_t is not None:
            self.history_: DistillationHistory | None = distill(
                student,
                train.x,
                train.node_mask,
                z_t,
                objective=self.objective,
                queue_size=self.queue_size,
                teacher_temperature=self.teacher_temperature,
                student_temperature=self.student_temperature,
                infonce_temperature=self.infonce_temperature,
                epochs=self.epochs,
                batch_size=self.batch_size,
                lr=self.lr,
                weight_decay=self.weight_decay,
                warmup_fraction=self.warmup_fraction,
                seed=self.seed,
                queue_seed=self.queue_seed,
                augmentation=self.augmentation,
                views_of=None if views_of is None else np.asarray(views_of),
                device=self.device,
                verbose=verbose,
            )
        else:  # no distillation: the untrained student
            self.history_ = None
            if self.calibrate_batchnorm:
                recalibrate_batchnorm(student.backbone, train.x, train.node_mask, device=self.device)
        self.backbone_ = student.backbone.eval()  # the projection head is dropped here
        self.nodes_ = tuple(train.nodes)
        self.channels_ = tuple(train.channels)
        self.rate_hz_ = float(train.rate_hz)
        self.vocabulary_ = train.vocabulary
        self.fit_subjects_ = np.unique(train.subjects)
        self.probe_ = None
        self.scaler_ = None
        if (train.labels >= 0).sum() >= 2 and len(np.unique(train.labels[train.labels >= 0])) >= 2:
            self._fit_probe(train)
        return self

    def _fit_probe(self, train: Windows) -> None:
        """The protocol's SVM (C by subject-grouped CV) with sigmoid-calibrated probabilities for predict_proba."""
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.model_selection import GridSearchCV, GroupKFold
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import SVC

        keep = train.labels >= 0
        emb = self._normalized(self.embed(train))[keep]
        y, groups = train.labels[keep], train.subjects[keep]
        self.scaler_ = StandardScaler().fit(emb)
        xs = self.scaler_.transform(emb)
        folds = min(int(self.svm_folds), len(np.unique(groups)))
        _, counts = np.unique(y, return_counts=True)
        c = 1e5
        if folds >= 2 and len(xs) >= 50 and len(xs) // len(counts) >= 5:
            grid = GridSearchCV(
                SVC(kernel="rbf", gamma="scale"), {"C": list(self.svm_c_grid)}, cv=GroupKFold(folds), n_jobs=1
            )
            c = float(grid.fit(xs, y, groups=groups).best_params_["C"])
        self.probe_C_ = c
        svc = SVC(kernel="rbf", gamma="scale", C=c)
        cal_folds = int(min(5, counts.min()))
        if cal_folds >= 2:
            self.probe_ = CalibratedClassifierCV(svc, method="sigmoid", cv=cal_folds, ensemble=False).fit(xs, y)
        else:  # too few windows per class to calibrate: plain SVC, probabilities by softmax of its margins
            logger.warning("a class has a single training window; predict_proba uses a softmax of SVM margins")
            self.probe_ = svc.fit(xs, y)

    @staticmethod
    def _normalized(emb: np.ndarray) -> np.ndarray:
        return emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)

    # ------------------------------------------------------------------ using the student
    def embed(self, windows: Windows | np.ndarray, *, batch_size: int = 256) -> np.ndarray:
        """Student backbone embeddings (projection head dropped), shape (n_windows, embed_dim).

        ``windows`` is a :class:`~imuhar.core.Windows` or a raw array shaped like the training IMU,
        (n, n_channels, n_samples) or (n, n_nodes, n_channels, n_samples), nodes in the training order.
        """
        import torch

        self._check_fitted("backbone_")
        windows = self._as_windows(windows)
        if tuple(windows.nodes) != self.nodes_:
            raise ShapeMismatchError(
                f"windows hold nodes {windows.nodes}; the student was trained on {self.nodes_}. Select the same "
                f"nodes (Windows.select_nodes) first."
            )
        out = []
        with torch.no_grad():
            for s in range(0, windows.n_windows, int(batch_size)):
                xb = torch.from_numpy(windows.x[s : s + batch_size]).to(self.device)
                mb = torch.from_numpy(windows.node_mask[s : s + batch_size]).to(self.device)
                out.append(self.backbone_(xb, mb).cpu())
        return torch.cat(out).numpy().astype(np.float32)

    def _as_windows(self, windows: Windows | np.ndarray) -> Windows:
        """``windows`` itself, or a raw IMU array wrapped with the training nodes, channels and rate."""
        if isinstance(windows, Windows):
            return windows
        from ._pairs import imu_windows

        return imu_windows(windows, rate_hz=self.rate_hz_, placement=self.nodes_, channels=self.channels_)

    def predict_proba(self, windows: Windows | np.ndarray) -> np.ndarray:
        """Probe probabilities, shape (n_windows, len(vocabulary)); classes unseen in training get 0.

        ``windows``: :class:`~imuhar.core.Windows` or a raw array as in :meth:`embed`.
        """
        self._check_fitted("backbone_")
        windows = self._as_windows(windows)
        if self.probe_ is None:
            raise NotFittedError(
                "Comodo was fitted on unlabelled windows, so it has no SVM probe; fit on labelled training windows "
                "or use embed() with your own classifier"
            )
        xs = self.scaler_.transform(self._normalized(self.embed(windows)))
        if hasattr(self.probe_, "predict_proba"):
            proba = self.probe_.predict_proba(xs)
        else:
            margins = self.probe_.decision_function(xs)
            margins = np.stack([-margins, margins], axis=1) if margins.ndim == 1 else margins
            proba = np.exp(margins - margins.max(axis=1, keepdims=True))
            proba /= proba.sum(axis=1, keepdims=True)
        full = np.zeros((windows.n_windows, max(len(self.vocabulary_), int(self.probe_.classes_.max()) + 1)))
        full[:, self.probe_.classes_] = proba
        return full

    def evaluate(self, train: Windows, test: Windows) -> SVMProtocolResult:
        """The paper's protocol: SVM on ``train`` embeddings (C by subject-grouped CV), top-1/3/5 on ``test``."""
        self.check_held_out(test)
        return svm_protocol(
            self.embed(train),
            train.labels,
            train.subjects,
            self.embed(test),
            test.labels,
            test_subjects=test.subjects,
            c_grid=self.svm_c_grid,
            n_folds=self.svm_folds,
        )
