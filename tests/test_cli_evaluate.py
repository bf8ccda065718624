"""``imuhar evaluate`` with registry methods: rows per seed on held-out subjects, parameters, typed refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest

from imuhar.cli import main
from imuhar.core import InvalidParameterError

from _cli_helpers import TEST_SUBJECTS, n_test_windows, patch_benchmark_loader

pytest.importorskip("torch")


def _evaluate(tmp_path, method, *extra):
    out = tmp_path / "out"
    code = main(["evaluate", "--method", method, "--benchmarks", "uci-har", "--data-dir", f"uci-har={tmp_path}",
                 "--seeds", "0,1", "--out", str(out), "--quiet", *extra])  # fmt: skip
    return code, out


@pytest.mark.parametrize(
    "method, params",
    [
        ("supervised-tpn", ["--param", "finetune_epochs=1"]),
        ("collossl", ["--param", "epochs=1", "--param", "batch_size=16", "--param", "finetune_epochs=1"]),
    ],
)
def test_registry_method_writes_one_row_per_seed_on_test_subjects(tmp_path, monkeypatch, capsys, method, params):
    windows = patch_benchmark_loader(monkeypatch)
    code, out = _evaluate(tmp_path, method, *params)
    assert code == 0, capsys.readouterr()
    rows = json.loads((out / "results.json").read_text())
    assert [r["seed"] for r in rows] == [0, 1]
    label = "finetune_epochs=1" if method == "supervised-tpn" else "batch_size=16, epochs=1, finetune_epochs=1"
    for r in rows:
        assert r["dataset"] == "uci-har" and r["protocol"] == "full-shot" and r["k"] is None
        assert r["model"] == f"{method}({label})" and r["method"] == method
        assert "test subjects" in r["split"] and "'2'" in r["split"]
        # scored on the test subjects' windows only, each once
        assert r["n_windows"] == n_test_windows(windows) == int(np.sum(r["confusion"]))
        assert r["class_names"] == list(windows.vocabulary.names) and r["n_classes"] == 2
        assert 0.0 <= r["macro_f1"] <= 100.0
        assert r["accuracy"] == pytest.approx(100.0 * np.trace(r["confusion"]) / np.sum(r["confusion"]))
        assert r["params"]["finetune_epochs"] == 1 and r["params"]["random_state"] == r["seed"]
        assert r["params"]["anchor"] == "left_wrist"  # present in every window, preferred for wrist-worn methods
        assert r["channels"] == ["acc.x", "acc.y", "acc.z", "gyro.x", "gyro.y", "gyro.z"]
        (fold,) = r["folds"]
        assert fold["test_subjects"] == sorted(TEST_SUBJECTS)
        assert not set(fold["train_subjects"]) & set(TEST_SUBJECTS)
        assert fold["validation_subjects"] and set(fold["validation_subjects"]) <= set(fold["train_subjects"])
    report = (out / "report.md").read_text()
    assert f"| uci-har | full-shot | - | {method}({label}) | 0,1 |" in report
    for png in ["benchmark_bars.png", *[p.name for p in out.glob("confusion_*.png")]]:
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(list(out.glob("confusion_*.png"))) == 1
    assert json.loads((out / "skipped.json").read_text()) == {}


def test_fusionactnet_keeps_its_evaluation_and_writes_rows(tmp_path, monkeypatch, capsys):
    patch_benchmark_loader(monkeypatch)
    small = ["expert_widths=[8,16]", "gate_widths=[8]", "gate_units=[1]", "expert_epochs=1", "gate_epochs=1",
             "batch_size=16"]  # fmt: skip
    code, out = _evaluate(tmp_path, "fusionactnet", *[a for p in small for a in ("--param", p)])
    assert code == 0, capsys.readouterr()
    (summary,) = json.loads((out / "fusionactnet_summary.json").read_text())
    assert summary["seeds"] == [0, 1] and summary["test_subjects"] == sorted(TEST_SUBJECTS)
    rows = json.loads((out / "results.json").read_text())
    gated = [r for r in rows if "use_gate=false" not in r["model"]]
    no_gate = [r for r in rows if "use_gate=false" in r["model"]]
    assert len(gated) == len(no_gate) == 2
    assert np.mean([r["accuracy"] for r in gated]) == pytest.approx(summary["accuracy"], abs=1e-3)
    assert np.mean([r["macro_f1"] for r in no_gate]) == pytest.approx(summary["macro_f1_no_gate"], abs=1e-3)
    assert all(r["protocol"] == "full-shot" and r["n_windows"] == summary["n_test_windows"] for r in rows)
    assert "fusionactnet: accuracy" in capsys.readouterr().out


def test_comodo_without_a_teacher_is_refused_before_loading_data(tmp_path, capsys):
    assert main(["evaluate", "--method", "comodo", "--benchmarks", "basicmotions", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "teacher" in err and "objective=none" in err
    assert not (tmp_path / "o").exists()


def test_comodo_reference_on_the_embedded_basicmotions(tmp_path, capsys):
    """Real data end to end: BasicMotions' own train/test halves, the untrained-student SVM reference."""
    pytest.importorskip("sktime")
    out = tmp_path / "out"
    assert main(["evaluate", "--method", "comodo", "--param", "objective=none", "--benchmarks", "basicmotions",
                 "--seeds", "0", "--out", str(out), "--quiet"]) == 0  # fmt: skip
    (row,) = json.loads((out / "results.json").read_text())
    assert row["model"] == "comodo(objective=none)" and row["n_windows"] == 240  # the 40 test cases, 6 windows each
    assert row["folds"][0]["test_subjects"] == ["test"] and row["folds"][0]["train_subjects"] == ["train"]
    assert row["accuracy"] > 50.0  # 4 classes: chance is 25 %
    assert "basicmotions comodo: accuracy" in capsys.readouterr().out


def test_a_method_that_cannot_run_on_a_benchmark_is_listed_with_why(tmp_path, capsys):
    pytest.importorskip("sktime")
    out = tmp_path / "out"
    # BasicMotions has one training "subject": no validation subject can be carved from it
    assert main(["evaluate", "--method", "supervised-tpn", "--benchmarks", "basicmotions", "--seeds", "0",
                 "--out", str(out), "--quiet"]) == 0  # fmt: skip
    skipped = json.loads((out / "skipped.json").read_text())
    assert "InvalidParameterError" in skipped["basicmotions"] and "2 training subjects" in skipped["basicmotions"]
    assert not (out / "results.json").exists()
    assert "every benchmark was skipped or failed" in capsys.readouterr().out


def test_unknown_method_lists_the_registered_names(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["evaluate", "--method", "no-such-method", "--out", str(tmp_path)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    for name in ("unimts", "fusionactnet", "collossl", "simclr-har", "supervised-tpn", "comodo"):
        assert name in err


def test_bad_parameters_are_typed_errors_naming_the_fix(tmp_path, capsys):
    assert main(["evaluate", "--method", "collossl", "--param", "epochz=1", "--out", str(tmp_path)]) == 2
    assert "no parameter(s) ['epochz']" in (err := capsys.readouterr().err) and "'epochs'" in err
    assert main(["evaluate", "--method", "collossl", "--param", "random_state=3", "--out", str(tmp_path)]) == 2
    assert "--seeds" in capsys.readouterr().err
    assert main(["evaluate", "--method", "collossl", "--param", "epochs", "--out", str(tmp_path)]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err
    assert main(["evaluate", "--method", "unimts", "--param", "epochs=1", "--out", str(tmp_path)]) == 2
    assert main(["evaluate", "--method", "collossl", "--protocols", "zero-shot", "--out", str(tmp_path)]) == 2
    assert "full-shot" in capsys.readouterr().err


def test_parse_params_reads_json_literals_else_strings():
    from imuhar.cli._method_eval import parse_params

    got = parse_params(["epochs=3", "lr=1e-3", "use-gate=false", "widths=[8, 8]", "encoder=tpn", "objective=none",
                        "projection_dim=null", "flag=True"])  # fmt: skip
    assert got == {"epochs": 3, "lr": 1e-3, "use_gate": False, "widths": [8, 8], "encoder": "tpn",
                   "objective": "none", "projection_dim": None, "flag": True}  # fmt: skip
    with pytest.raises(InvalidParameterError, match="KEY=VALUE"):
        parse_params(["=3"])


def test_default_anchor_is_a_device_of_every_window():
    from imuhar.cli._method_eval import default_anchor
    from imuhar.testing import make_windows

    w = make_windows(n_windows=8, present=("right_wrist", "pelvis"))
    assert default_anchor(w) == "right_wrist"  # wrist-worn first, as ColloSSL's paper evaluates a watch
    assert default_anchor(w.select_nodes(["pelvis", "head"])) == "pelvis"
    w.node_mask[0, :] = False  # one window holds no device at all
    with pytest.raises(InvalidParameterError, match="--param anchor=NODE"):
        default_anchor(w)


def test_malformed_fusionactnet_summary_is_a_typed_error():
    from imuhar.cli._method_eval import fusionactnet_rows
    from imuhar.core import DataFormatError

    with pytest.raises(DataFormatError, match=r"\['split_rule', 'per_seed'\]"):
        fusionactnet_rows({"dataset": "uci-har", "method": "fusionactnet"})


# ---------------------------------------------------------------------------------------------- few-shot protocol
def _spy_fit(monkeypatch, cls):
    """Record what every ``cls.fit`` call receives: labels, subjects and window identities (recording, start)."""
    calls = []
    original = cls.fit

    def fit(self, train, *, verbose=True):
        calls.append({
            "labels": train.labels.copy(), "subjects": train.subjects.astype(str).copy(),
            "ids": [f"{r}@{s:.3f}" for r, s in zip(train.recording_ids, train.start_s)],
        })  # fmt: skip
        return original(self, train, verbose=verbose)

    monkeypatch.setattr(cls, "fit", fit)
    return calls


def _few_shot(tmp_path, method, *extra, seeds="0,1"):
    out = tmp_path / "out"
    code = main(["evaluate", "--method", method, "--benchmarks", "uci-har", "--data-dir", f"uci-har={tmp_path}",
                 "--protocols", "few-shot", "--seeds", seeds, "--out", str(out), "--quiet", *extra])  # fmt: skip
    return code, out


def test_few_shot_rows_per_seed_k_and_repeat_on_training_subjects_only(tmp_path, monkeypatch, capsys):
    from imuhar.methods.collossl import SupervisedBaseline

    windows = patch_benchmark_loader(monkeypatch)
    calls = _spy_fit(monkeypatch, SupervisedBaseline)
    code, out = _few_shot(tmp_path, "supervised-tpn", "--param", "finetune_epochs=1", "--k", "1,2,3", "--repeats", "2")
    assert code == 0, capsys.readouterr()
    rows = json.loads((out / "results.json").read_text())
    skipped = json.loads((out / "skipped.json").read_text())
    cells = {(r["seed"], r["k"], r["repeat"]) for r in rows}
    assert len(cells) == len(rows) and len(rows) + len(skipped) == 2 * 3 * 2 and len(rows) >= 8
    for key in skipped:  # tiny draws may span one subject: no validation subject, listed instead of crashing
        assert key.startswith("uci-har few-shot seed ") and "2 training subjects" in skipped[key]
    assert len(calls) == 12  # one fit per (seed, k, repeat): one fold (the card's test subjects)
    grid_k = [k for _seed in (0, 1) for k in (1, 2, 3) for _repeat in (0, 1)]  # the order of the fits
    for call, k in zip(calls, grid_k):  # a supervised method gets the k drawn windows per class, no test subject
        assert (call["labels"] >= 0).all() and not set(call["subjects"]) & set(TEST_SUBJECTS)
        assert np.bincount(call["labels"], minlength=2).tolist() == [k, k]
    for r in rows:
        assert r["protocol"] == "few-shot" and r["k"] in (1, 2, 3) and r["seed"] in (0, 1)
        assert r["draw_seed"] == r["seed"] + r["repeat"] and r["model"] == "supervised-tpn(finetune_epochs=1)"
        (fold,) = r["folds"]
        # every class has >= 9 training windows here: exactly k each, from training subjects only
        assert fold["labelled_per_class"] == {"standing": r["k"], "walking": r["k"]}
        assert r["n_train_windows"] == 2 * r["k"] and r["n_unlabelled_windows"] == 0
        assert set(fold["labelled_subjects"]) <= set(fold["train_subjects"])
        assert not set(fold["train_subjects"]) & set(TEST_SUBJECTS) and fold["test_subjects"] == sorted(TEST_SUBJECTS)
        assert r["n_windows"] == n_test_windows(windows) == int(np.sum(r["confusion"]))
        assert "classes_with_fewer_than_k" not in r and "only these windows" in r["protocol_detail"]
    report = (out / "report.md").read_text()
    for k in {r["k"] for r in rows}:
        assert f"| uci-har | few-shot | {k} | supervised-tpn(finetune_epochs=1) |" in report
    assert (out / "k_shot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # `imuhar report` keeps every repeat (same seed, k and second) and draws the k-shot curves
    assert main(["report", str(out), "--out", str(tmp_path / "rep"), "--quiet"]) == 0
    assert len(json.loads((tmp_path / "rep" / "rows.json").read_text())) == len(rows)
    assert (tmp_path / "rep" / "k_shot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "k_shot.png" in (tmp_path / "rep" / "report.md").read_text()


def _generic_windows(subjects=None):
    from imuhar.cli._method_eval import GENERIC_CHANNEL_PREFIXES, _select_channels

    from _cli_helpers import nine_channel_benchmark

    w = nine_channel_benchmark()
    w = w if subjects is None else w.of_subjects(subjects)
    return _select_channels(w, GENERIC_CHANNEL_PREFIXES)


def test_few_shot_draws_and_scores_are_deterministic_for_equal_seeds(monkeypatch):
    from imuhar.cli._method_eval import evaluate_registry_few_shot
    from imuhar.methods.collossl import SupervisedBaseline

    windows = _generic_windows()
    calls = _spy_fit(monkeypatch, SupervisedBaseline)

    def run(seeds, ks=(2,)):
        rows, skipped = evaluate_registry_few_shot("supervised-tpn", "uci-har", windows, ks=ks, repeats=2, seeds=seeds,
                                                   params={"finetune_epochs": 1}, n_bootstrap=50, verbose=False)  # fmt: skip
        assert not skipped
        return rows

    def key(rows):
        return [(r.seed, r.k, r.extra["repeat"], r.metrics["accuracy"], r.confusion) for r in rows]

    first, second = run((3,)), run((3,))
    run((5,))  # its draws are read from the spy below
    assert key(first) == key(second)  # equal seeds: the same draws and the same fitted models
    draws = [frozenset(c["ids"]) for c in calls]
    assert draws[0:2] == draws[2:4] and draws[0] != draws[1]  # repeats draw different windows
    assert {draws[4], draws[5]} != {draws[0], draws[1]}  # seed 5 draws with seeds 5, 6; seed 3 with 3, 4
    # 36 standing and 24 walking windows among the training subjects: k=30 takes every walking window, and says so
    for row in run((0,), ks=(30,)):
        assert row.extra["classes_with_fewer_than_k"] == ["walking"]
        assert row.extra["folds"][0]["labelled_per_class"] == {"standing": 30, "walking": 24}


def test_self_supervised_methods_pretrain_on_the_windows_not_drawn_as_unlabelled(monkeypatch):
    from imuhar.cli._method_eval import evaluate_registry_few_shot
    from imuhar.core import UNLABELLED
    from imuhar.methods.collossl import SimCLRBaseline

    windows = _generic_windows()
    train = ~np.isin(windows.subjects, TEST_SUBJECTS)
    calls = _spy_fit(monkeypatch, SimCLRBaseline)
    lines: list[str] = []
    rows, skipped = evaluate_registry_few_shot(
        "simclr-har", "uci-har", windows, ks=(1, 3), repeats=1, seeds=(0,), n_bootstrap=50, verbose=False,
        params={"epochs": 1, "batch_size": 16, "finetune_epochs": 1}, progress=lines.append,
    )  # fmt: skip
    assert [c["labels"].size for c in calls] == [int(train.sum())] * 2  # every training window reaches fit ...
    for call, row in zip(calls, rows):
        k = row.k
        assert np.bincount(call["labels"][call["labels"] >= 0], minlength=2).tolist() == [k, k]  # ... k labelled
        assert (call["labels"] == UNLABELLED).sum() == train.sum() - 2 * k == row.extra["n_unlabelled_windows"]
        assert not set(call["subjects"]) & set(TEST_SUBJECTS)
        assert row.extra["folds"][0]["n_fit_windows"] <= 2 * k  # fine-tuned on the drawn windows only
        assert "label -1" in row.extra["protocol_detail"] and "pretraining uses them all" in row.extra["protocol_detail"]
    assert [r.k for r in rows] == [1, 3] and not skipped
    assert len(lines) == 2 and "few-shot seed 0 k=1: macro-F1" in lines[0] and "k=3" in lines[1]


def test_a_k_too_small_for_validation_subjects_is_skipped_with_why(tmp_path, monkeypatch, capsys):
    from imuhar.methods.collossl import SupervisedBaseline

    patch_benchmark_loader(monkeypatch, subjects=("1", "3", *TEST_SUBJECTS))  # two training subjects
    calls = _spy_fit(monkeypatch, SupervisedBaseline)
    code, out = _few_shot(tmp_path, "supervised-tpn", "--param", "finetune_epochs=1", "--k", "1,4", "--repeats", "3",
                          seeds="0,1")  # fmt: skip
    assert code == 0, capsys.readouterr()
    rows = json.loads((out / "results.json").read_text())
    skipped = json.loads((out / "skipped.json").read_text())
    grid = [(s, k, r) for s in (0, 1) for k in (1, 4) for r in range(3)]
    spans_one = {cell for cell, call in zip(grid, calls) if len(set(call["subjects"])) < 2}
    # the drawn windows of one subject leave no validation subject to carve: exactly those cells are skipped
    assert {(s, k, r) for s, k, r in grid if f"uci-har few-shot seed {s} k={k} repeat {r}" in skipped} == spans_one
    assert spans_one and all(k == 1 for _, k, _ in spans_one)  # with seeds 0, 1: k=1 draws fall on one subject
    assert {(r["seed"], r["k"], r["repeat"]) for r in rows} == set(grid) - spans_one
    for reason in skipped.values():
        assert reason.startswith("InvalidParameterError: ") and "2 training subjects" in reason
    printed = capsys.readouterr().out
    assert f"{len(spans_one)} skipped (see skipped.json)" in printed
    assert "skipped uci-har few-shot seed" in (out / "report.md").read_text()


def test_few_shot_arguments_are_checked_before_loading_data(tmp_path, capsys):
    base = ["evaluate", "--method", "supervised-tpn", "--protocols", "few-shot", "--out", str(tmp_path / "o")]
    assert main([*base, "--k", "0,2"]) == 2
    assert "positive integers" in capsys.readouterr().err
    assert main([*base, "--repeats", "0"]) == 2
    assert "repeats must be >= 1" in capsys.readouterr().err
    assert main(["evaluate", "--method", "fusionactnet", "--protocols", "few-shot", "--out", str(tmp_path / "o")]) == 2
    assert "['full-shot']" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
