"""`Windows`: a batch of fixed-length windows over named body nodes, ready for a model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from ._errors import ChannelMismatchError, InvalidParameterError, LabelLengthError, ShapeMismatchError
from ._labels import UNLABELLED, LabelVocabulary
from ._placements import N_NODES, NODE_INDEX, NODES, resolve_placement
from ._validation import check_finite, check_rate

__all__ = ["Windows", "DEFAULT_CHANNELS"]

#: Channel order of a window: accelerometer (m/s², gravity included) then gyroscope (rad/s).
DEFAULT_CHANNELS: tuple[str, ...] = ("acc.x", "acc.y", "acc.z", "gyro.x", "gyro.y", "gyro.z")


@dataclass(eq=False)
class Windows:
    """A batch of windows, shape (n_windows, n_nodes, n_channels, n_samples).

    Parameters
    ----------
    x : ndarray, shape (n_windows, n_nodes, n_channels, n_samples)
        Signals, float32. Rows of absent nodes are zero.
    node_mask : ndarray of bool, shape (n_windows, n_nodes)
        True where a node holds a real (or simulated) sensor in that window.
    labels : ndarray of int, shape (n_windows,)
        Class ids into ``vocabulary``; -1 for unlabelled windows.
    subjects : ndarray of str, shape (n_windows,)
        Subject of each window; every split is made on these.
    rate_hz : float
        Sample rate in Hz.
    nodes : tuple of str
        Node names along axis 1, a subset of the canonical 22 in canonical order.
    channels : tuple of str
        Channel names along axis 2 (default acc x/y/z then gyro x/y/z).
    vocabulary : LabelVocabulary
    channel_mask : ndarray of bool, shape (n_windows, n_channels), optional
        False for channels a window's source lacks (gyro of an acc-only dataset). Defaults to all True.
    recording_ids : ndarray of str, shape (n_windows,), optional
    start_s : ndarray of float, shape (n_windows,), optional
        Start time of each window in its recording, seconds.
    metadata : dict
        ``provenance`` (steps applied) and free-form facts such as ``dataset``.
    """

    x: np.ndarray
    node_mask: np.ndarray
    labels: np.ndarray
    subjects: np.ndarray
    rate_hz: float
    nodes: tuple[str, ...] = NODES
    channels: tuple[str, ...] = DEFAULT_CHANNELS
    vocabulary: LabelVocabulary = field(default_factory=LabelVocabulary)
    channel_mask: np.ndarray | None = None
    recording_ids: np.ndarray | None = None
    start_s: np.ndarray | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rate_hz = check_rate(self.rate_hz, "rate_hz")
        x = np.asarray(self.x)
        if x.ndim != 4:
            raise ShapeMismatchError(
                f"Windows.x must have shape (n_windows, n_nodes, n_channels, n_samples); received shape {x.shape}"
            )
        if x.dtype != np.float32:
            x = x.astype(np.float32)
        check_finite(x, "Windows.x")
        w, n, c, _ = x.shape
        self.nodes = tuple(resolve_placement(node) for node in self.nodes)
        if len(self.nodes) != n:
            raise ShapeMismatchError(f"x has {n} nodes along axis 1 but {len(self.nodes)} node names were given")
        if len(set(self.nodes)) != n:
            raise InvalidParameterError(f"node names must be distinct; received {self.nodes}")
        self.channels = tuple(self.channels)
        if len(self.channels) != c:
            raise ChannelMismatchError(
                f"x has {c} channels along axis 2 but {len(self.channels)} channel names were given: {self.channels}"
            )
        mask = np.asarray(self.node_mask, dtype=bool)
        if mask.shape != (w, n):
            raise ShapeMismatchError(f"node_mask must have shape {(w, n)}; received {mask.shape}")
        labels = np.asarray(self.labels)
        if labels.shape != (w,):
            raise LabelLengthError(f"labels must hold one id per window, shape ({w},); received {labels.shape}")
        labels = labels.astype(np.int64)
        if len(self.vocabulary) and ((labels < UNLABELLED) | (labels >= len(self.vocabulary))).any():
            raise InvalidParameterError(f"labels must lie in [-1, {len(self.vocabulary) - 1}]")
        subjects = np.asarray(self.subjects).astype(str)
        if subjects.shape != (w,):
            raise LabelLengthError(f"subjects must hold one id per window, shape ({w},); received {subjects.shape}")
        cmask = np.ones((w, c), dtype=bool) if self.channel_mask is None else np.asarray(self.channel_mask, dtype=bool)
        if cmask.shape != (w, c):
            raise ShapeMismatchError(f"channel_mask must have shape {(w, c)}; received {cmask.shape}")
        rec = np.full(w, "", dtype=object) if self.recording_ids is None else np.asarray(self.recording_ids)
        start = np.zeros(w) if self.start_s is None else np.asarray(self.start_s, dtype=float)
        if rec.shape != (w,) or start.shape != (w,):
            raise ShapeMismatchError(f"recording_ids and start_s must have shape ({w},)")
        self.x, self.node_mask, self.labels, self.subjects = x, mask, labels, subjects
        self.channel_mask, self.recording_ids, self.start_s = cmask, rec.astype(str), start
        self.metadata = dict(self.metadata)
        self.metadata.setdefault("provenance", [])

    # ------------------------------------------------------------------ facts
    @property
    def n_windows(self) -> int:
        return int(self.x.shape[0])

    @property
    def n_nodes(self) -> int:
        return int(self.x.shape[1])

    @property
    def n_channels(self) -> int:
        return int(self.x.shape[2])

    @property
    def n_samples(self) -> int:
        return int(self.x.shape[3])

    @property
    def length_s(self) -> float:
        """Window length in seconds."""
        return self.n_samples / self.rate_hz

    def __len__(self) -> int:
        return self.n_windows

    def __repr__(self) -> str:
        used = [n for n, m in zip(self.nodes, self.node_mask.any(axis=0)) if m]
        return (
            f"Windows({self.n_windows} windows x {self.n_nodes} nodes x {self.n_channels} channels x "
            f"{self.n_samples} samples at {self.rate_hz:g} Hz ({self.length_s:g} s); nodes in use={used}; "
            f"{len(np.unique(self.subjects))} subjects; {len(self.vocabulary)} classes)"
        )

    # ------------------------------------------------------------------ selection
    def _replace(self, **changes: Any) -> "Windows":
        fields = dict(
            x=self.x,
            node_mask=self.node_mask,
            labels=self.labels,
            subjects=self.subjects,
            rate_hz=self.rate_hz,
            nodes=self.nodes,
            channels=self.channels,
            vocabulary=self.vocabulary,
            channel_mask=self.channel_mask,
            recording_ids=self.recording_ids,
            start_s=self.start_s,
            metadata=dict(self.metadata, provenance=list(self.metadata.get("provenance", []))),
        )
        fields.update(changes)
        return Windows(**fields)

    def with_step(self, step: str, params: Mapping[str, Any] | None = None, **changes: Any) -> "Windows":
        """A copy with fields changed and a provenance entry ``{"step": step, **params}`` appended."""
        meta = dict(self.metadata, provenance=[*self.metadata.get("provenance", []), {"step": step, **dict(params or {})}])
        return self._replace(metadata=meta, **changes)

    def __getitem__(self, index) -> "Windows":
        """Select windows by integer array, boolean mask or slice; always returns ``Windows``."""
        idx = np.arange(self.n_windows)[index]
        idx = np.atleast_1d(idx)
        return self._replace(
            x=self.x[idx],
            node_mask=self.node_mask[idx],
            labels=self.labels[idx],
            subjects=self.subjects[idx],
            channel_mask=self.channel_mask[idx],
            recording_ids=self.recording_ids[idx],
            start_s=self.start_s[idx],
        )

    def of_subjects(self, subjects: Sequence[Any]) -> "Windows":
        """Windows of the given subjects only."""
        return self[np.isin(self.subjects, np.asarray(subjects).astype(str))]

    def select_nodes(self, nodes: Sequence[str]) -> "Windows":
        """Keep some nodes (names or aliases), in the order given."""
        names = [resolve_placement(n) for n in nodes]
        missing = [n for n in names if n not in self.nodes]
        if missing:
            raise InvalidParameterError(f"nodes {missing} are not in these windows; they hold {list(self.nodes)}")
        idx = [self.nodes.index(n) for n in names]
        return self._replace(x=self.x[:, idx], node_mask=self.node_mask[:, idx], nodes=tuple(names))

    def to_canonical(self) -> "Windows":
        """Expand to all 22 canonical nodes in canonical order; new nodes are zero and masked out."""
        if self.nodes == NODES:
            return self
        x = np.zeros((self.n_windows, N_NODES, self.n_channels, self.n_samples), dtype=np.float32)
        mask = np.zeros((self.n_windows, N_NODES), dtype=bool)
        idx = [NODE_INDEX[n] for n in self.nodes]
        x[:, idx] = self.x
        mask[:, idx] = self.node_mask
        return self._replace(x=x, node_mask=mask, nodes=NODES)

    @staticmethod
    def concatenate(parts: Sequence["Windows"]) -> "Windows":
        """Join batches with equal nodes, channels, rate, length and vocabulary along the window axis."""
        parts = list(parts)
        if not parts:
            raise InvalidParameterError("concatenate needs at least one Windows batch")
        first = parts[0]
        for p in parts[1:]:
            if (p.nodes, p.channels, p.n_samples) != (first.nodes, first.channels, first.n_samples):
                raise ShapeMismatchError(
                    "cannot concatenate windows with different nodes, channels or lengths; call to_canonical() "
                    "and cut windows of one length first"
                )
            if abs(p.rate_hz - first.rate_hz) > 1e-9:
                raise ShapeMismatchError(f"cannot concatenate windows at {first.rate_hz} Hz and {p.rate_hz} Hz; resample first")
            if p.vocabulary.names != first.vocabulary.names:
                raise InvalidParameterError("cannot concatenate windows whose label vocabularies differ")
        cat = lambda name: np.concatenate([getattr(p, name) for p in parts])  # noqa: E731
        return first._replace(
            x=cat("x"),
            node_mask=cat("node_mask"),
            labels=cat("labels"),
            subjects=cat("subjects"),
            channel_mask=cat("channel_mask"),
            recording_ids=cat("recording_ids"),
            start_s=cat("start_s"),
        )

    # ------------------------------------------------------------------ interchange
    def _used_nodes(self) -> list[int]:
        return [j for j in range(self.n_nodes) if self.node_mask[:, j].any()]

    def flat_channel_names(self, nodes: Sequence[int] | None = None) -> list[str]:
        """``<node>.<channel>`` names of the flattened node x channel axis."""
        idx = range(self.n_nodes) if nodes is None else nodes
        return [f"{self.nodes[j]}.{c}" for j in idx for c in self.channels]

    def to_sktime(self, *, used_nodes_only: bool = True) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """sktime's 3-D numpy layout.

        Returns
        -------
        X : ndarray, shape (n_windows, n_used_nodes * n_channels, n_samples)
        y : ndarray of str, shape (n_windows,)
            Class names (``""`` for unlabelled windows).
        channel_names : list of str
            Name of each row of axis 1, ``<node>.<channel>``.
        """
        idx = self._used_nodes() if used_nodes_only else list(range(self.n_nodes))
        X = self.x[:, idx].reshape(self.n_windows, len(idx) * self.n_channels, self.n_samples)
        names = np.array([*self.vocabulary.names, ""], dtype=object)
        return X, names[self.labels].astype(str), self.flat_channel_names(idx)

    @classmethod
    def from_sktime(
        cls,
        X: np.ndarray,
        y: Sequence[Any] | None,
        *,
        rate_hz: float,
        nodes: Sequence[str],
        channels: Sequence[str] = DEFAULT_CHANNELS,
        subjects: Sequence[Any] | None = None,
        vocabulary: LabelVocabulary | None = None,
    ) -> "Windows":
        """Build windows from sktime's (n_instances, n_nodes * n_channels, n_timepoints) layout."""
        X = np.asarray(X, dtype=np.float32)
        nodes = [resolve_placement(n) for n in nodes]
        if X.ndim != 3 or X.shape[1] != len(nodes) * len(channels):
            raise ChannelMismatchError(
                f"X must have shape (n_instances, {len(nodes)} nodes x {len(channels)} channels = "
                f"{len(nodes) * len(channels)}, n_timepoints); received {X.shape}"
            )
        w = X.shape[0]
        x = X.reshape(w, len(nodes), len(channels), X.shape[2])
        order = np.argsort([NODE_INDEX[n] for n in nodes], kind="stable")
        x = x[:, order]
        nodes = [nodes[i] for i in order]
        if y is None:
            vocabulary = vocabulary or LabelVocabulary()
            labels = np.full(w, UNLABELLED)
        else:
            y = np.asarray(y)
            if vocabulary is None:
                vocabulary = LabelVocabulary.from_names(sorted({str(v) for v in y}))
            labels = vocabulary.encode(str(v) for v in y) if y.dtype.kind not in "iu" else y
        subj = np.full(w, "unknown") if subjects is None else np.asarray(subjects).astype(str)
        return cls(
            x=x,
            node_mask=np.ones((w, len(nodes)), dtype=bool),
            labels=labels,
            subjects=subj,
            rate_hz=rate_hz,
            nodes=tuple(nodes),
            channels=tuple(channels),
            vocabulary=vocabulary,
        )

    def to_dataframe(self):
        """Long ``pandas.DataFrame``: one row per (window, sample) of the used nodes.

        Columns: ``window``, ``subject``, ``recording_id``, ``label``, ``label_name``, ``time_s`` (from the
        window start) and one column per ``<node>.<channel>``. Rate, nodes, channels and vocabulary travel in
        ``attrs``; :meth:`from_dataframe` inverts it.
        """
        import pandas as pd

        idx = self._used_nodes()
        w, t = self.n_windows, self.n_samples
        data = self.x[:, idx].transpose(0, 3, 1, 2).reshape(w * t, len(idx) * self.n_channels)
        names = np.array([*self.vocabulary.names, ""], dtype=object)
        df = pd.DataFrame(data, columns=self.flat_channel_names(idx))
        df.insert(0, "window", np.repeat(np.arange(w), t))
        df.insert(1, "subject", np.repeat(self.subjects, t))
        df.insert(2, "recording_id", np.repeat(self.recording_ids, t))
        df.insert(3, "label", np.repeat(self.labels, t))
        df.insert(4, "label_name", np.repeat(names[self.labels], t))
        df.insert(5, "time_s", np.tile(np.arange(t) / self.rate_hz, w))
        df.attrs.update(
            rate_hz=self.rate_hz,
            nodes=[self.nodes[j] for j in idx],
            channels=list(self.channels),
            vocabulary=self.vocabulary.to_dict(),
        )
        return df

    @classmethod
    def from_dataframe(cls, df, *, rate_hz: float | None = None, vocabulary: LabelVocabulary | None = None) -> "Windows":
        """Inverse of :meth:`to_dataframe`."""
        attrs = dict(df.attrs or {})
        rate_hz = rate_hz if rate_hz is not None else attrs.get("rate_hz")
        if rate_hz is None:
            raise InvalidParameterError("pass rate_hz=...: the frame carries no 'rate_hz' in its attrs")
        if vocabulary is None:
            vocabulary = LabelVocabulary.from_dict(attrs.get("vocabulary", []))
        if "window" not in df.columns:
            raise ChannelMismatchError("the frame needs a 'window' column numbering the windows")
        chan_cols = [c for c in df.columns if c.count(".") >= 2]
        nodes = list(dict.fromkeys(c.split(".", 1)[0] for c in chan_cols))
        channels = attrs.get("channels") or list(dict.fromkeys(c.split(".", 1)[1] for c in chan_cols))
        counts = df.groupby("window", sort=True).size().to_numpy()
        if len(set(counts)) != 1:
            raise ShapeMismatchError(f"every window must have the same number of rows; received sizes {sorted(set(counts))}")
        t = int(counts[0])
        df = df.sort_values(["window", "time_s"] if "time_s" in df.columns else ["window"], kind="stable")
        w = len(counts)
        expected = [f"{n}.{c}" for n in nodes for c in channels]
        missing = [c for c in expected if c not in df.columns]
        if missing:
            raise ChannelMismatchError(f"the frame lacks channel columns {missing[:6]}")
        x = df[expected].to_numpy(dtype=np.float32).reshape(w, t, len(nodes), len(channels)).transpose(0, 2, 3, 1)
        first = df.groupby("window", sort=True).first()
        labels = first["label"].to_numpy() if "label" in first else np.full(w, UNLABELLED)
        subjects = first["subject"].to_numpy() if "subject" in first else np.full(w, "unknown")
        recs = first["recording_id"].to_numpy() if "recording_id" in first else None
        order = np.argsort([NODE_INDEX[resolve_placement(n)] for n in nodes], kind="stable")
        return cls(
            x=x[:, order],
            node_mask=np.ones((w, len(nodes)), dtype=bool),
            labels=labels,
            subjects=subjects,
            rate_hz=rate_hz,
            nodes=tuple(nodes[i] for i in order),
            channels=tuple(channels),
            vocabulary=vocabulary,
            recording_ids=recs,
        )
