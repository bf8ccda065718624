"""The data contract: body nodes, aliases, Recording, Windows, vocabularies and their errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import imuhar
from imuhar.core import (
    NODE_PARENTS,
    NODES,
    ChannelMismatchError,
    InvalidParameterError,
    InvalidRateError,
    InvalidSignalError,
    LabelLengthError,
    LabelVocabulary,
    Recording,
    ShapeMismatchError,
    UnknownPlacementError,
    Windows,
    node_depths,
    resolve_placement,
    skeleton_edges,
)
from imuhar.testing import make_recording, make_windows


def test_import_is_light():
    code = (
        "import imuhar, imuhar.core, sys; "
        "heavy = [m for m in ('torch', 'transformers', 'sktime') if m in sys.modules]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_star_import_resolves_every_name():
    out = subprocess.run([sys.executable, "-c", "from imuhar import *; print(Recording.__name__, core.__name__)"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "Recording imuhar.core" in out.stdout, out.stderr


def test_version_and_lazy_exports():
    assert imuhar.__version__.count(".") == 2
    assert imuhar.Recording is Recording
    with pytest.raises(AttributeError):
        imuhar.no_such_thing  # noqa: B018


def test_body_tree_is_the_smpl_tree():
    assert len(NODES) == 22 and len(NODE_PARENTS) == 22
    assert NODE_PARENTS[0] == -1 and all(0 <= p < i for i, p in enumerate(NODE_PARENTS) if i)
    depth = dict(zip(NODES, node_depths()))
    assert depth["pelvis"] == 0 and depth["right_wrist"] == 7 and depth["head"] == 5 and depth["left_foot"] == 4
    assert len(skeleton_edges()) == 21
    # the wrist chain climbs through elbow, shoulder, collar to the spine
    chain, i = [], NODES.index("right_wrist")
    while i >= 0:
        chain.append(NODES[i])
        i = NODE_PARENTS[i]
    assert chain == ["right_wrist", "right_elbow", "right_shoulder", "right_collar", "spine3", "spine2", "spine1", "pelvis"]


@pytest.mark.parametrize(
    "alias,node",
    [
        ("waist", "pelvis"),
        ("Lower back", "spine1"),
        ("chest", "spine3"),
        ("thigh", "right_hip"),
        ("left-thigh", "left_hip"),
        ("front_pocket", "right_hip"),
        ("shin", "right_knee"),
        ("upper_arm", "right_shoulder"),
        ("left forearm", "left_elbow"),
        ("wrist", "right_wrist"),
        ("left_wrist", "left_wrist"),
        ("ankle", "right_ankle"),
        ("hand", "right_wrist"),
        ("head", "head"),
    ],
)
def test_aliases_resolve(alias, node):
    assert resolve_placement(alias) == node


def test_unknown_placement_names_the_fix():
    with pytest.raises(UnknownPlacementError, match="unknown placement 'wristt'.*Did you mean 'wrist'"):
        resolve_placement("wristt")
    with pytest.raises(KeyError):  # still a KeyError for callers that catch that
        resolve_placement("tail")


def test_recording_canonicalizes_and_validates():
    rec = make_recording(placements=("watch", "waist"), n_samples=300)
    assert rec.placements == ("pelvis", "right_wrist")
    assert rec.channel_names[:3] == ["pelvis.acc.x", "pelvis.acc.y", "pelvis.acc.z"]
    assert rec.duration_s == pytest.approx(6.0)
    x, present = rec.to_array()
    assert x.shape == (300, 2, 6) and present.all()
    # stored arrays are read-only so provenance cannot be bypassed
    with pytest.raises(ValueError):
        rec.acc["pelvis"][0, 0] = 1.0


def test_recording_provenance_and_slice():
    rec = make_recording(n_samples=200)
    cut = rec.slice(10, 110)
    assert cut.n_samples == 100 and cut.provenance[-1] == {"step": "slice", "start": 10, "stop": 110}
    assert rec.provenance == []  # the original is untouched
    np.testing.assert_array_equal(cut.acc["right_wrist"], rec.acc["right_wrist"][10:110])


def test_recording_dataframe_round_trip():
    rec = make_recording(placements=("right_wrist", "left_ankle"), n_samples=120, gyro=True)
    df = rec.to_dataframe()
    assert "left_ankle.gyro.z" in df.columns and df["label_name"].iloc[0] == "standing"
    back = Recording.from_dataframe(df)
    assert back.placements == rec.placements and back.sample_rate_hz == rec.sample_rate_hz
    np.testing.assert_allclose(back.acc["left_ankle"], rec.acc["left_ankle"])
    np.testing.assert_array_equal(back.labels, rec.labels)
    # label names instead of ids, rate inferred from time_s
    df.attrs.clear()
    df["label"] = df["label_name"]
    again = Recording.from_dataframe(df, vocabulary=rec.vocabulary, subject="s1")
    np.testing.assert_array_equal(again.labels, rec.labels)
    assert again.sample_rate_hz == pytest.approx(50.0)


def test_recording_errors():
    acc = np.zeros((100, 3))
    vocab = LabelVocabulary.from_names(["a", "b"])
    with pytest.raises(InvalidRateError, match="above 0 Hz"):
        Recording(acc={"wrist": acc}, sample_rate_hz=0)
    with pytest.raises(InvalidRateError):
        Recording(acc={"wrist": acc}, sample_rate_hz=-50)
    bad = acc.copy()
    bad[7, 1] = np.nan
    with pytest.raises(InvalidSignalError, match=r"first at index \(7, 1\)"):
        Recording(acc={"wrist": bad}, sample_rate_hz=50)
    bad[7, 1] = np.inf
    with pytest.raises(InvalidSignalError):
        Recording(acc={"wrist": bad}, sample_rate_hz=50)
    with pytest.raises(ShapeMismatchError, match="3 columns"):
        Recording(acc={"wrist": np.zeros((100, 4))}, sample_rate_hz=50)
    with pytest.raises(ShapeMismatchError, match="same number of samples"):
        Recording(acc={"wrist": acc}, gyro={"wrist": np.zeros((99, 3))}, sample_rate_hz=50)
    with pytest.raises(UnknownPlacementError):
        Recording(acc={"elbow_pit": acc}, sample_rate_hz=50)
    with pytest.raises(LabelLengthError, match=r"expected shape \(100,\)"):
        Recording(acc={"wrist": acc}, sample_rate_hz=50, labels=np.zeros(101, int), vocabulary=vocab)
    with pytest.raises(InvalidParameterError, match=r"\[-1, 1\]"):
        Recording(acc={"wrist": acc}, sample_rate_hz=50, labels=np.full(100, 5), vocabulary=vocab)
    with pytest.raises(InvalidParameterError, match="two acc sensors"):
        Recording(acc={"wrist": acc, "right_wrist": acc}, sample_rate_hz=50)
    with pytest.raises(InvalidParameterError, match="at least one sensor"):
        Recording(acc={}, sample_rate_hz=50)
    with pytest.raises(ChannelMismatchError):
        Recording.from_dataframe(__import__("pandas").DataFrame({"a": [1.0]}), sample_rate_hz=50)


def test_vocabulary():
    v = LabelVocabulary.from_names(["sit", "walk"], descriptions={"walk": "moves forward"}, kinds=["static", "dynamic"])
    assert v.names == ("sit", "walk") and v.kinds == ("static", "dynamic") and v.descriptions[1] == "moves forward"
    assert v.encode(["walk", "sit"]).tolist() == [1, 0] and v.decode([1, -1]) == ["walk", None]
    sub, mapping = v.subset(["walk"])
    assert sub.names == ("walk",) and mapping.tolist() == [-1, 0]
    assert LabelVocabulary.from_dict(v.to_dict()) == v
    with pytest.raises(InvalidParameterError, match="not in this vocabulary"):
        v.encode(["run"])
    with pytest.raises(InvalidParameterError, match="unique"):
        LabelVocabulary.from_names(["a", "a"])
    with pytest.raises(InvalidParameterError, match="kind"):
        LabelVocabulary.from_names(["a"], kinds=["wobbly"])


def test_windows_contract_and_conversions():
    w = make_windows(n_windows=10, n_samples=40, nodes=("right_wrist", "pelvis", "left_ankle"), present=("right_wrist", "pelvis"))
    assert w.nodes == ("pelvis", "left_ankle", "right_wrist") or w.nodes == ("right_wrist", "pelvis", "left_ankle")
    assert w.length_s == pytest.approx(2.0)
    canon = w.to_canonical()
    assert canon.x.shape == (10, 22, 6, 40) and canon.node_mask.sum() == w.node_mask.sum()
    j = NODES.index("right_wrist")
    np.testing.assert_array_equal(canon.x[:, j], w.x[:, w.nodes.index("right_wrist")])
    X, y, names = w.to_sktime()
    assert X.shape == (10, 12, 40) and len(names) == 12 and set(y) <= set(w.vocabulary.names)
    back = Windows.from_sktime(X, y, rate_hz=20, nodes=[n.split(".")[0] for n in names[::6]], vocabulary=w.vocabulary)
    np.testing.assert_allclose(back.to_canonical().x, canon.x)
    df = w.to_dataframe()
    assert len(df) == 10 * 40
    again = Windows.from_dataframe(df)
    np.testing.assert_allclose(again.to_canonical().x, canon.x)
    np.testing.assert_array_equal(again.labels, w.labels)
    np.testing.assert_array_equal(again.subjects, w.subjects)
    sub = w.of_subjects(["s1"])
    assert set(sub.subjects) == {"s1"} and len(sub) == (w.subjects == "s1").sum()
    both = Windows.concatenate([w, w[:3]])
    assert len(both) == 13


def test_windows_errors():
    w = make_windows(n_windows=4, n_samples=10)
    with pytest.raises(ShapeMismatchError, match="n_windows, n_nodes"):
        Windows(x=np.zeros((4, 22, 6)), node_mask=np.ones((4, 22)), labels=np.zeros(4), subjects=["a"] * 4, rate_hz=20)
    with pytest.raises(ChannelMismatchError, match="5 channels"):
        Windows(x=np.zeros((4, 22, 5, 10)), node_mask=np.ones((4, 22)), labels=np.zeros(4), subjects=["a"] * 4, rate_hz=20)
    with pytest.raises(LabelLengthError):
        Windows(x=w.x, node_mask=w.node_mask, labels=np.zeros(5), subjects=w.subjects, rate_hz=20)
    with pytest.raises(InvalidRateError):
        Windows(x=w.x, node_mask=w.node_mask, labels=w.labels, subjects=w.subjects, rate_hz=0)
    x = w.x.copy()
    x[0, 0, 0, 0] = np.nan
    with pytest.raises(InvalidSignalError):
        Windows(x=x, node_mask=w.node_mask, labels=w.labels, subjects=w.subjects, rate_hz=20)
    with pytest.raises(ShapeMismatchError, match="different nodes"):
        Windows.concatenate([w, w.select_nodes(["pelvis"])])


def test_every_public_name_exists():
    import importlib
    import pkgutil

    for mod in pkgutil.iter_modules(imuhar.__path__):
        if mod.name.startswith("_") or not mod.ispkg:
            continue
        package = importlib.import_module(f"imuhar.{mod.name}")
        for name in getattr(package, "__all__", []):
            assert hasattr(package, name), f"imuhar.{mod.name}.__all__ lists {name!r} but it does not exist"
