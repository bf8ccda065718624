"""Metrics (checked against scikit-learn and by hand), bootstrap intervals, protocols and result rows."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from imuhar.core import InvalidParameterError, SplitLeakageError
from imuhar.evaluation import (
    ResultRow,
    bootstrap_metrics,
    centroid_scores,
    classification_metrics,
    confusion_matrix,
    evaluate_scores,
    macro_f1,
    read_results,
    recall_at_k,
    results_frame,
    run_few_shot,
    run_full_shot,
    run_linear_probe,
    run_zero_shot,
    sample_few_shot,
    summarize_repeats,
    top_k_hits,
    write_results,
    zero_shot_scores,
)


def test_metrics_agree_with_scikit_learn(rng):
    y = rng.integers(0, 5, 500)
    pred = np.where(rng.random(500) < 0.6, y, rng.integers(0, 7, 500))  # classes 5, 6 predicted, never true
    m = classification_metrics(y, y_pred=pred, n_bootstrap=0)
    assert m["accuracy"] == pytest.approx(100 * accuracy_score(y, pred))
    assert m["macro_f1"] == pytest.approx(100 * f1_score(y, pred, average="macro"))
    assert macro_f1(y, pred, labels=range(5)) == pytest.approx(100 * f1_score(y, pred, labels=range(5), average="macro"))
    conf = confusion_matrix(y, pred)
    assert conf.shape == (7, 7) and conf.sum() == 500 and np.trace(conf) == (y == pred).sum()


def test_recall_at_k_by_hand():
    scores = np.array([[0.9, 0.5, 0.1], [0.2, 0.3, 0.8], [0.5, 0.5, 0.0], [0.1, 0.2, 0.3]])
    y = np.array([1, 0, 1, 0])
    # window 0: true class 1 is 2nd; window 1: true 0 is 3rd; window 2: tie for 1st counts against it (2nd);
    # window 3: true 0 is last
    np.testing.assert_array_equal(top_k_hits(y, scores, 1), [False, False, False, False])
    np.testing.assert_array_equal(top_k_hits(y, scores, 2), [True, False, True, False])
    assert recall_at_k(y, scores, 2) == 50.0 and recall_at_k(y, scores, 3) == 100.0
    m = classification_metrics(y, scores, ks=(1, 2), n_bootstrap=0)
    assert m["r_at_1"] == 0.0 == m["accuracy"] and m["r_at_2"] == 50.0


def test_bootstrap_intervals(rng):
    y = rng.integers(0, 4, 400)
    pred = np.where(rng.random(400) < 0.7, y, (y + 1) % 4)
    m = classification_metrics(y, y_pred=pred, seed=1)
    for name in ("accuracy", "macro_f1"):
        low, high = m[f"{name}_ci"]
        assert low < m[name] < high and high - low < 15
    assert classification_metrics(y, y_pred=pred, seed=1) == m  # seeded
    small = classification_metrics(y[:50], y_pred=pred[:50], seed=1)
    assert np.diff(small["accuracy_ci"])[0] > np.diff(m["accuracy_ci"])[0]  # fewer windows, wider interval
    # subject bootstrap: one subject -> every resample is that subject -> a zero-width interval
    one = classification_metrics(y, y_pred=pred, ci_unit="subject", subjects=np.full(400, "s1"))
    assert one["accuracy_ci"][0] == pytest.approx(one["accuracy"]) == pytest.approx(one["accuracy_ci"][1])
    with pytest.raises(InvalidParameterError, match="subjects"):
        classification_metrics(y, y_pred=pred, ci_unit="subject")


def test_bootstrap_interval_covers_the_true_accuracy(rng):
    hits = 0
    for trial in range(100):
        y = np.zeros(300, dtype=int)
        pred = (rng.random(300) > 0.7).astype(int)  # true accuracy 70 %
        ci = bootstrap_metrics(y, pred, n_classes=2, n_bootstrap=300, seed=trial)["accuracy"]
        hits += ci.low <= 70.0 <= ci.high
    assert 85 <= hits <= 100


def test_zero_shot_nearest_text(rng):
    texts = np.eye(4, 16) + 0.05 * rng.normal(size=(4, 16))
    y = rng.integers(0, 4, 200)
    windows = texts[y] * rng.uniform(0.5, 3, (200, 1)) + 0.1 * rng.normal(size=(200, 16))
    scores = zero_shot_scores(windows, texts)
    assert scores.shape == (200, 4) and np.abs(scores).max() <= 1 + 1e-9
    row = run_zero_shot(windows, texts, y, dataset="toy", split="test subjects", model="m", class_names=list("abcd"))
    d = row.to_dict()
    assert d["accuracy"] == 100.0 and d["r_at_2"] == 100.0 and d["n_windows"] == 200
    assert (d["protocol"], d["k"], d["dataset"], d["split"], d["model"]) == ("zero-shot", None, "toy", "test subjects", "m")
    assert np.trace(np.array(d["confusion"])) == 200


def test_few_shot_sampling(rng):
    labels = np.array([0] * 20 + [1] * 3 + [2] * 10 + [-1] * 5)
    idx, short = sample_few_shot(labels, 5, seed=0)
    assert short == [1] and np.bincount(labels[idx]).tolist() == [5, 3, 5]
    assert np.array_equal(idx, sample_few_shot(labels, 5, seed=0)[0])
    assert not np.array_equal(idx, sample_few_shot(labels, 5, seed=1)[0])
    assert (labels[idx] >= 0).all()


def _clusters(rng, n, centers):
    y = rng.integers(0, len(centers), n)
    return centers[y] + rng.normal(size=(n, centers.shape[1])), y


def test_few_shot_protocol_rows_and_learning_curve(rng):
    centers = rng.normal(size=(5, 8)) * 1.2
    train_x, train_y = _clusters(rng, 300, centers)
    test_x, test_y = _clusters(rng, 300, centers)
    rows = run_few_shot(
        train_y, test_y, n_classes=5, train_x=train_x, test_x=test_x, ks=(1, 10), repeats=3, seed=7,
        dataset="toy", split="s", model="enc", n_bootstrap=100,
        train_subjects=np.repeat(["a", "b", "c"], 100), test_subjects=np.repeat(["d", "e"], 150),
    )  # fmt: skip
    assert [(r.k, r.seed) for r in rows] == [(1, 7), (1, 8), (1, 9), (10, 7), (10, 8), (10, 9)]
    assert all(r.protocol == "few-shot" and r.extra["classifier"] == "linear" for r in rows)
    summary = summarize_repeats(rows)
    assert [s["k"] for s in summary] == [1, 10] and summary[0]["n_repeats"] == 3
    assert summary[1]["accuracy_mean"] > summary[0]["accuracy_mean"]
    centroid = run_few_shot(train_y, test_y, n_classes=5, train_x=train_x, test_x=test_x, classifier="centroid",
                            ks=(10,), repeats=1, dataset="toy", split="s", model="enc", n_bootstrap=0)  # fmt: skip
    assert centroid[0]["accuracy"] > 50
    with pytest.raises(SplitLeakageError):
        run_few_shot(train_y, test_y, n_classes=5, train_x=train_x, test_x=test_x, ks=(1,), dataset="t", split="s",
                     model="m", train_subjects=np.full(300, "a"), test_subjects=np.full(300, "a"))  # fmt: skip


def test_fit_predict_callables_see_training_indices_only(rng):
    train_y = np.repeat([0, 1, 2], 10)
    test_y = np.array([0, 1, 2, 2])
    seen = []

    def fit_predict(idx, seed):
        seen.append((idx.copy(), seed))
        scores = np.zeros((4, 3))
        scores[np.arange(4), test_y] = 1.0  # a perfect model
        return scores

    rows = run_few_shot(train_y, test_y, n_classes=3, classifier=fit_predict, ks=(2,), repeats=2, dataset="d",
                        split="s", model="ft", n_bootstrap=0)  # fmt: skip
    assert [len(i) for i, _ in seen] == [6, 6] and [s for _, s in seen] == [0, 1]
    assert rows[0]["accuracy"] == 100.0 and rows[0]["classifier"] == "fit_predict"
    full = run_full_shot(fit_predict, train_y, test_y, dataset="d", split="s", model="ft", n_bootstrap=0)
    assert full.protocol == "full-shot" and len(seen[-1][0]) == 30


def test_linear_probe_selects_c_on_training_subjects(rng):
    centers = rng.normal(size=(3, 6)) * 2
    train_x, train_y = _clusters(rng, 150, centers)
    test_x, test_y = _clusters(rng, 90, centers)
    row = run_linear_probe(train_x, train_y, test_x, test_y, n_classes=3, dataset="toy", split="s", model="enc",
                           train_subjects=np.repeat(["a", "b", "c"], 50), n_bootstrap=0)  # fmt: skip
    assert row.protocol == "linear-probe" and row.extra["C"] in (0.01, 0.1, 1.0, 10.0)
    assert row["accuracy"] > 80


def test_centroid_never_predicts_unseen_classes():
    scores = centroid_scores(np.eye(3)[:2], np.array([0, 1]), np.eye(3), n_classes=3)
    assert (scores.argmax(axis=1) != 2).all()


def test_result_rows_round_trip(tmp_path, rng):
    y = np.array([0, 1, 1, -1])
    scores = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    row = evaluate_scores(y, scores, dataset="d", split="s", protocol="zero-shot", model="m", n_bootstrap=50,
                          extra={"rate_hz": 20.0})  # fmt: skip
    assert row["n_windows"] == 3  # the unlabelled window is dropped
    assert row["accuracy"] == pytest.approx(200 / 3)
    path = write_results([row, row.to_dict()], tmp_path / "r.json")
    back = read_results(path)
    assert back[0]["rate_hz"] == 20.0 and back[0]["accuracy"] == row["accuracy"] and len(back) == 2
    assert json.loads(path.read_text())[0]["accuracy_ci"] == row["accuracy_ci"]
    frame = results_frame(back)
    assert {"accuracy_low", "accuracy_high", "dataset", "k"} <= set(frame.columns)
    with pytest.raises(InvalidParameterError, match="protocol"):
        ResultRow("d", "s", "guess", "m", 0, None, {}, 2)


def test_markdown_report_and_plots(tmp_path, rng):
    from imuhar.evaluation import markdown_report, plot_confusion_matrix, plot_k_shot_curve

    centers = rng.normal(size=(3, 6)) * 2
    train_x, train_y = _clusters(rng, 90, centers)
    test_x, test_y = _clusters(rng, 60, centers)
    rows = []
    for model, noise in (("pretrained", 0.0), ("scratch", 3.0)):
        tx = train_x + noise * rng.normal(size=train_x.shape)
        rows += run_few_shot(train_y, test_y, n_classes=3, train_x=tx, test_x=test_x, ks=(1, 5), repeats=2,
                             dataset="toy", split="authors' test subjects", model=model, class_names=list("abc"),
                             n_bootstrap=50)  # fmt: skip
    rows.append(run_zero_shot(test_x, centers, test_y, dataset="toy", split="authors' test subjects",
                              model="pretrained", class_names=list("abc"), n_bootstrap=50))  # fmt: skip
    text = markdown_report(rows, notes=["made by a test"])
    header = next(line for line in text.splitlines() if line.startswith("| dataset"))
    for field in ("dataset", "split", "protocol", "model", "seed", "k"):
        assert f" {field} " in header
    assert "## Mean ± standard deviation over seeds" in text and "made by a test" in text
    assert text.count("| toy |") == len(rows) + 4  # every row, plus 4 (model, k) summaries
    png = plot_confusion_matrix(rows[-1], tmp_path / "cm.png")
    curve = plot_k_shot_curve(rows, tmp_path / "k.png")
    assert png.read_bytes()[:4] == b"\x89PNG" and curve.stat().st_size > 1000
