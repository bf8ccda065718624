"""`Recording`: one continuous session of one subject, in SI units, with named placements."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from ._errors import ChannelMismatchError, InvalidParameterError, LabelLengthError, ShapeMismatchError
from ._labels import UNLABELLED, LabelVocabulary
from ._placements import NODE_INDEX, resolve_placement
from ._validation import check_rate, check_signal

__all__ = ["Recording", "SENSOR_KINDS", "AXES"]

#: Sensor kinds a recording can hold per placement, with their SI unit.
SENSOR_KINDS: dict[str, str] = {"acc": "m/s^2", "gyro": "rad/s"}
AXES: tuple[str, str, str] = ("x", "y", "z")


def _canonical_signals(signals: Mapping[str, Any] | None, kind: str) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name, values in (signals or {}).items():
        node = resolve_placement(name)
        if node in out:
            raise InvalidParameterError(
                f"two {kind} sensors resolve to node {node!r} (one of them named {name!r}); keep one sensor per "
                f"node, or give the second a distinct placement such as 'left_{node.split('_')[-1]}'"
            )
        arr = check_signal(values, f"{kind} signal at {name!r}", ndim=2, last_dim=3)
        out[node] = arr
    return dict(sorted(out.items(), key=lambda kv: NODE_INDEX[kv[0]]))


@dataclass(frozen=True, eq=False)
class Recording:
    """One continuous session of one subject.

    Parameters
    ----------
    acc : mapping of str to array, shape (n_samples, 3)
        Accelerometer per placement in m/s², gravity included. Keys are canonical nodes or aliases
        (``"waist"`` -> ``"pelvis"``); they are stored under the canonical node name.
    gyro : mapping of str to array, shape (n_samples, 3)
        Gyroscope per placement in rad/s. A placement may have acc without gyro (acc-only datasets).
    sample_rate_hz : float
        Sampling rate in Hz, the same for every channel.
    labels : array of int, shape (n_samples,), optional
        Per-sample class ids into ``vocabulary``; ``-1`` marks unlabelled samples. ``None`` means all unlabelled.
    vocabulary : LabelVocabulary
        Class names, descriptions and kinds.
    subject : str
        Subject identifier; splits are made on it.
    recording_id : str
        Identifier of the session, unique within its dataset.
    metadata : mapping
        Free-form facts (``dataset``, original placement names ...). ``metadata["provenance"]`` lists every
        step applied since the data were read, as ``{"step": name, **params}`` dicts.
    """

    acc: Mapping[str, np.ndarray]
    gyro: Mapping[str, np.ndarray] = field(default_factory=dict)
    sample_rate_hz: float = 50.0
    labels: np.ndarray | None = None
    vocabulary: LabelVocabulary = field(default_factory=LabelVocabulary)
    subject: str = "unknown"
    recording_id: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        rate = check_rate(self.sample_rate_hz, "sample_rate_hz")
        acc = _canonical_signals(self.acc, "acc")
        gyro = _canonical_signals(self.gyro, "gyro")
        if not acc and not gyro:
            raise InvalidParameterError(
                "a Recording needs at least one sensor: pass acc={'right_wrist': array of shape (n_samples, 3)}"
            )
        lengths = {f"acc[{k}]": v.shape[0] for k, v in acc.items()} | {f"gyro[{k}]": v.shape[0] for k, v in gyro.items()}
        if len(set(lengths.values())) != 1:
            raise ShapeMismatchError(
                f"every signal of a recording must have the same number of samples; received {lengths}. "
                f"Resample or trim the sensors onto one time grid first."
            )
        n = next(iter(lengths.values()))
        if n == 0:
            raise ShapeMismatchError("a recording must hold at least one sample; received signals with 0 samples")
        if not isinstance(self.vocabulary, LabelVocabulary):
            raise InvalidParameterError(
                f"vocabulary must be a LabelVocabulary; received {type(self.vocabulary).__name__}. "
                f"Build one with LabelVocabulary.from_names([...])"
            )
        if self.labels is None:
            labels = np.full(n, UNLABELLED, dtype=np.int64)
        else:
            labels = np.asarray(self.labels)
            if labels.ndim != 1 or labels.shape[0] != n:
                raise LabelLengthError(
                    f"labels must hold one class id per sample: expected shape ({n},), received {labels.shape}. "
                    f"Trim the labels to the signal or expand per-segment labels to per-sample ones."
                )
            if labels.dtype.kind not in "iu":
                if labels.dtype.kind == "f" and np.all(np.isfinite(labels)) and np.all(labels == np.round(labels)):
                    labels = labels.astype(np.int64)
                else:
                    raise InvalidParameterError(
                        f"labels must be integer class ids (use vocabulary.encode(names) for names); "
                        f"received dtype {labels.dtype}"
                    )
            labels = labels.astype(np.int64)
            bad = (labels < UNLABELLED) | (labels >= len(self.vocabulary))
            if bad.any():
                raise InvalidParameterError(
                    f"labels must lie in [-1, {len(self.vocabulary) - 1}] for a vocabulary of {len(self.vocabulary)} "
                    f"classes; received {sorted(set(labels[bad].tolist()))[:5]}"
                )
        for arr in (*acc.values(), *gyro.values(), labels):
            arr.setflags(write=False)
        meta = dict(self.metadata)
        meta.setdefault("provenance", [])
        meta["provenance"] = list(meta["provenance"])
        object.__setattr__(self, "sample_rate_hz", rate)
        object.__setattr__(self, "acc", MappingProxyType(acc))
        object.__setattr__(self, "gyro", MappingProxyType(gyro))
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "subject", str(self.subject))
        object.__setattr__(self, "recording_id", str(self.recording_id))
        object.__setattr__(self, "metadata", meta)

    # ------------------------------------------------------------------ basic facts
    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return int(self.labels.shape[0])

    @property
    def duration_s(self) -> float:
        """Duration in seconds, ``n_samples / sample_rate_hz``."""
        return self.n_samples / self.sample_rate_hz

    @property
    def time_s(self) -> np.ndarray:
        """Sample times in seconds from the start, shape (n_samples,)."""
        return np.arange(self.n_samples) / self.sample_rate_hz

    @property
    def placements(self) -> tuple[str, ...]:
        """Canonical nodes that carry a sensor, in canonical order."""
        nodes = set(self.acc) | set(self.gyro)
        return tuple(sorted(nodes, key=NODE_INDEX.__getitem__))

    @property
    def provenance(self) -> list[dict[str, Any]]:
        """Steps applied to this recording since it was read, oldest first."""
        return self.metadata["provenance"]

    @property
    def channel_names(self) -> list[str]:
        """Names such as ``right_wrist.acc.x`` of every channel, acc before gyro per node."""
        names = []
        for node in self.placements:
            for kind, signals in (("acc", self.acc), ("gyro", self.gyro)):
                if node in signals:
                    names.extend(f"{node}.{kind}.{a}" for a in AXES)
        return names

    def __repr__(self) -> str:
        classes = sorted({int(v) for v in np.unique(self.labels)} - {UNLABELLED})
        return (
            f"Recording(subject={self.subject!r}, id={self.recording_id!r}, {self.n_samples} samples at "
            f"{self.sample_rate_hz:g} Hz ({self.duration_s:.1f} s), placements={list(self.placements)}, "
            f"gyro={'yes' if self.gyro else 'no'}, classes present={classes})"
        )

    # ------------------------------------------------------------------ derivation
    def replace(self, *, step: str | None = None, params: Mapping[str, Any] | None = None, **changes: Any) -> "Recording":
        """A copy with some fields changed and, if ``step`` is given, a provenance entry appended.

        Parameters
        ----------
        step : str, optional
            Name of the operation that produced the copy (``"resample"``).
        params : mapping, optional
            JSON-ready parameters of that operation, stored beside its name.
        **changes
            New values of dataclass fields (``acc``, ``gyro``, ``sample_rate_hz``, ``labels`` ...).
        """
        meta = copy.deepcopy(dict(changes.pop("metadata", self.metadata)))
        if step is not None:
            meta.setdefault("provenance", []).append({"step": step, **dict(params or {})})
        fields = dict(
            acc=self.acc,
            gyro=self.gyro,
            sample_rate_hz=self.sample_rate_hz,
            labels=self.labels,
            vocabulary=self.vocabulary,
            subject=self.subject,
            recording_id=self.recording_id,
        )
        unknown = set(changes) - set(fields)
        if unknown:
            raise InvalidParameterError(f"Recording has no field(s) {sorted(unknown)}; fields are {sorted(fields)}")
        fields.update(changes)
        return Recording(metadata=meta, **fields)

    def map_signals(self, fn, *, step: str, params: Mapping[str, Any] | None = None, kinds: Sequence[str] = ("acc", "gyro")) -> "Recording":
        """Apply ``fn(array (n_samples, 3), kind) -> array`` to every signal of the given kinds."""
        changes = {
            kind: {node: fn(np.asarray(v), kind) for node, v in getattr(self, kind).items()} for kind in kinds
        }
        return self.replace(step=step, params=params, **changes)

    def slice(self, start: int, stop: int) -> "Recording":
        """Samples ``start:stop`` as a new recording (provenance records the cut)."""
        if not 0 <= start < stop <= self.n_samples:
            raise InvalidParameterError(
                f"slice must satisfy 0 <= start < stop <= n_samples={self.n_samples}; received start={start}, stop={stop}"
            )
        return self.replace(
            step="slice",
            params={"start": int(start), "stop": int(stop)},
            acc={k: v[start:stop] for k, v in self.acc.items()},
            gyro={k: v[start:stop] for k, v in self.gyro.items()},
            labels=self.labels[start:stop],
        )

    def select(self, placements: Iterable[str]) -> "Recording":
        """Keep only some placements (names or aliases)."""
        nodes = [resolve_placement(p) for p in placements]
        missing = [n for n in nodes if n not in self.placements]
        if missing:
            raise InvalidParameterError(
                f"placements {missing} are not in this recording; it has {list(self.placements)}"
            )
        return self.replace(
            step="select_placements",
            params={"placements": nodes},
            acc={k: v for k, v in self.acc.items() if k in nodes},
            gyro={k: v for k, v in self.gyro.items() if k in nodes},
        )

    # ------------------------------------------------------------------ array views
    def to_array(self, placements: Sequence[str] | None = None, kinds: Sequence[str] = ("acc", "gyro")) -> tuple[np.ndarray, np.ndarray]:
        """Stack signals as (n_samples, n_placements, 3 * len(kinds)) with a channel-presence mask.

        Returns
        -------
        x : ndarray, shape (n_samples, n_placements, 3 * len(kinds))
            float64; channels absent at a placement (no gyro there) are zeros.
        present : ndarray of bool, shape (n_placements, 3 * len(kinds))
        """
        nodes = self.placements if placements is None else tuple(resolve_placement(p) for p in placements)
        for kind in kinds:
            if kind not in SENSOR_KINDS:
                raise ChannelMismatchError(f"unknown sensor kind {kind!r}; allowed kinds are {list(SENSOR_KINDS)}")
        x = np.zeros((self.n_samples, len(nodes), 3 * len(kinds)))
        present = np.zeros((len(nodes), 3 * len(kinds)), dtype=bool)
        for j, node in enumerate(nodes):
            for k, kind in enumerate(kinds):
                sig = getattr(self, kind).get(node)
                if sig is not None:
                    x[:, j, 3 * k : 3 * k + 3] = sig
                    present[j, 3 * k : 3 * k + 3] = True
        return x, present

    # ------------------------------------------------------------------ pandas
    def to_dataframe(self):
        """A ``pandas.DataFrame`` with ``time_s``, one column per channel, ``label`` (id) and ``label_name``.

        The sample rate, subject, recording id and vocabulary travel in ``DataFrame.attrs``.
        """
        import pandas as pd

        cols: dict[str, np.ndarray] = {"time_s": self.time_s}
        for node in self.placements:
            for kind in ("acc", "gyro"):
                sig = getattr(self, kind).get(node)
                if sig is not None:
                    for a, axis in enumerate(AXES):
                        cols[f"{node}.{kind}.{axis}"] = sig[:, a]
        cols["label"] = self.labels
        names = np.array([*self.vocabulary.names, ""], dtype=object)
        cols["label_name"] = names[self.labels]  # -1 indexes the trailing "" entry
        df = pd.DataFrame(cols)
        df.attrs.update(
            sample_rate_hz=self.sample_rate_hz,
            subject=self.subject,
            recording_id=self.recording_id,
            vocabulary=self.vocabulary.to_dict(),
        )
        return df

    @classmethod
    def from_dataframe(
        cls,
        df,
        *,
        sample_rate_hz: float | None = None,
        subject: str | None = None,
        vocabulary: LabelVocabulary | None = None,
        recording_id: str | None = None,
        label_column: str = "label",
    ) -> "Recording":
        """Inverse of :meth:`to_dataframe`: channel columns named ``<placement>.<acc|gyro>.<x|y|z>``.

        Missing keyword arguments are taken from ``df.attrs`` or, for the rate, from a uniform ``time_s`` column.
        The label column may hold ids or names (names are encoded with ``vocabulary``).
        """
        attrs = dict(getattr(df, "attrs", {}) or {})
        if vocabulary is None:
            vocabulary = LabelVocabulary.from_dict(attrs["vocabulary"]) if "vocabulary" in attrs else LabelVocabulary()
        if sample_rate_hz is None:
            sample_rate_hz = attrs.get("sample_rate_hz")
        if sample_rate_hz is None and "time_s" in df.columns and len(df) > 1:
            dt = np.diff(df["time_s"].to_numpy(dtype=float))
            if np.allclose(dt, dt[0], rtol=1e-3) and dt[0] > 0:
                sample_rate_hz = 1.0 / dt[0]
        if sample_rate_hz is None:
            raise InvalidParameterError(
                "cannot tell the sample rate: pass sample_rate_hz=..., or give the frame a uniform 'time_s' column"
            )
        signals: dict[str, dict[str, list[np.ndarray | None]]] = {"acc": {}, "gyro": {}}
        for col in df.columns:
            parts = str(col).rsplit(".", 2)
            if len(parts) == 3 and parts[1] in SENSOR_KINDS and parts[2] in AXES:
                node, kind, axis = parts
                signals[kind].setdefault(node, [None, None, None])[AXES.index(axis)] = df[col].to_numpy(dtype=float)
        if not signals["acc"] and not signals["gyro"]:
            raise ChannelMismatchError(
                f"no channel columns found: name them '<placement>.<acc|gyro>.<x|y|z>' (e.g. 'right_wrist.acc.x'); "
                f"received columns {list(df.columns)[:10]}"
            )
        arrays: dict[str, dict[str, np.ndarray]] = {"acc": {}, "gyro": {}}
        for kind, per_node in signals.items():
            for node, axes in per_node.items():
                missing = [AXES[i] for i, a in enumerate(axes) if a is None]
                if missing:
                    raise ChannelMismatchError(f"placement {node!r} {kind} lacks axis column(s) {missing}")
                arrays[kind][node] = np.stack(axes, axis=1)
        labels = None
        if label_column in df.columns:
            raw = df[label_column].to_numpy()
            if raw.dtype.kind in "iuf":
                labels = raw
            else:
                labels = np.array(
                    [UNLABELLED if (v is None or v == "" or v != v) else vocabulary.index(str(v)) for v in raw],
                    dtype=np.int64,
                )
        return cls(
            acc=arrays["acc"],
            gyro=arrays["gyro"],
            sample_rate_hz=sample_rate_hz,
            labels=labels,
            vocabulary=vocabulary,
            subject=subject if subject is not None else attrs.get("subject", "unknown"),
            recording_id=recording_id if recording_id is not None else attrs.get("recording_id", ""),
        )
