"""`imuhar zero-shot` / `few-shot` end to end on the embedded BasicMotions data with a small untrained model."""

from __future__ import annotations

import json

import pytest

from imuhar.cli import main
from imuhar.core import DataNotFoundError


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    from imuhar.methods.unimts import TextAlignedIMU
    from imuhar.models import build_encoder

    enc = build_encoder("graph", widths=[8, 16], strides=[4, 2], norm="layer", embed_dim=384)
    path = tmp_path_factory.mktemp("w") / "tiny.safetensors"
    TextAlignedIMU(enc, text_model="all-MiniLM-L6-v2").save(path)
    return path


@pytest.mark.slow
def test_zero_shot_cli_writes_a_complete_row(tiny_weights, tmp_path, capsys):
    out = tmp_path / "row.json"
    assert main(["zero-shot", "--dataset", "basicmotions", "--model", str(tiny_weights), "--json", str(out),
                 "--plot", str(tmp_path / "cm.png"), "--quiet", "--threads", "1"]) == 0
    row = json.loads(out.read_text())
    for key in ("accuracy", "macro_f1", "r_at_2", "n_windows", "split", "dataset", "protocol", "model", "seed"):
        assert key in row
    assert row["protocol"] == "zero-shot" and row["n_windows"] == 40  # the 40 test cases, one 10 s window each
    assert 0.0 <= row["accuracy"] <= 100.0 and row["protocol_detail"]["rate_hz"] == 20.0
    assert (tmp_path / "cm.png").stat().st_size > 5000
    assert "accuracy" in capsys.readouterr().out


@pytest.mark.slow
def test_few_shot_cli_table(tiny_weights, tmp_path, capsys):
    out = tmp_path / "rows.json"
    assert main(["few-shot", "--dataset", "basicmotions", "--model", str(tiny_weights), "--k", "1,5",
                 "--repeats", "2", "--json", str(out), "--quiet", "--threads", "1"]) == 0
    rows = json.loads(out.read_text())
    assert sorted({r["k"] for r in rows}) == [1, 5] and len(rows) == 4
    assert all(r["protocol"] == "few-shot" for r in rows)
    printed = capsys.readouterr().out
    assert "macro-F1" in printed


def test_missing_weights_name_the_fix(tmp_path):
    from imuhar.methods.unimts._evaluate import load_model

    with pytest.raises(DataNotFoundError, match="imuhar pretrain"):
        load_model(tmp_path / "nope.safetensors")


@pytest.mark.slow
def test_zero_shot_development_split_scores_training_subjects_only(tiny_weights):
    from imuhar.core import InvalidParameterError
    from imuhar.methods.unimts._benchmark import benchmark_windows
    from imuhar.methods.unimts._evaluate import evaluate_zero_shot, load_model

    model = load_model(tiny_weights)
    data = benchmark_windows("basicmotions")
    dev = evaluate_zero_shot(model, "basicmotions", data=data, split="train")
    test = evaluate_zero_shot(model, "basicmotions", data=data, split="test")
    assert dev.metrics["n_windows"] == len(data.train) == 40 and test.metrics["n_windows"] == 40
    assert "training subjects" in dev.split and "test subjects" in test.split
    with pytest.raises(InvalidParameterError, match="split must be"):
        evaluate_zero_shot(model, "basicmotions", data=data, split="validation")


@pytest.mark.slow
def test_zero_shot_with_simulated_prototypes(tiny_weights):
    import numpy as np

    from imuhar.methods.unimts import PretrainCorpus, corpus_take_embeddings
    from imuhar.methods.unimts._benchmark import benchmark_windows
    from imuhar.methods.unimts._evaluate import _text_encoder, evaluate_zero_shot, load_model

    model = load_model(tiny_weights)
    data = benchmark_windows("basicmotions")
    assert data.native_samples == 200  # 10 s cases at 20 Hz: nothing to tile
    nodes = [n for n, m in zip(data.windows.nodes, data.windows.node_mask.any(axis=0)) if m]
    rng = np.random.default_rng(0)
    corpus = PretrainCorpus(rng.normal(size=(400, 22, 3)), rng.normal(size=(400, 22, 3)), [0, 200, 400],
                            [["a person runs"], ["a person stands still"]], ["x", "x"], ["a", "b"], 20.0)
    takes = corpus_take_embeddings(model, corpus, _text_encoder(None), nodes, native_samples=data.native_samples)
    plain = evaluate_zero_shot(model, "basicmotions", data=data)
    same = evaluate_zero_shot(model, "basicmotions", data=data, prototypes=takes, alpha=1.0)
    proto = evaluate_zero_shot(model, "basicmotions", data=data, prototypes=takes, alpha=0.0)
    assert same.metrics["accuracy"] == pytest.approx(plain.metrics["accuracy"])  # alpha=1: prompts only
    assert "prototypes" in proto.extra["scorer"] and proto.extra["prototype_nodes"] == nodes
    assert proto.metrics["n_windows"] == 40


@pytest.mark.slow
def test_zero_shot_cli_with_prototypes_from_a_synthesizer_only_recipe(tiny_weights, tmp_path, monkeypatch):
    monkeypatch.setenv("IMUHAR_DATA", str(tmp_path / "cache"))
    cfg = tmp_path / "recipe.toml"
    cfg.write_text("[corpus]\npostures = true\nposture_holds = 1\nposture_transitions = 0\ngait = 1\nrate_hz = 20.0\n")
    out = tmp_path / "row.json"
    assert main(["zero-shot", "--dataset", "basicmotions", "--model", str(tiny_weights), "--prototypes", str(cfg),
                 "--alpha", "0.25", "--json", str(out), "--quiet", "--threads", "1"]) == 0
    row = json.loads(out.read_text())
    assert "alpha=0.25" in row["scorer"] and row["n_windows"] == 40
