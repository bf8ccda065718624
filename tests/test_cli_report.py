"""``imuhar report``: rows of evaluate / zero-shot / few-shot files -> markdown with mean ± std, plots; typed errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from imuhar.cli import main
from imuhar.core import DataFormatError, DataNotFoundError
from imuhar.evaluation import evaluate_scores

PNG = b"\x89PNG\r\n\x1a\n"
SPLIT = "uci-har: the authors' subject split (test subjects 2, 4)"


def _row(protocol, model, seed, accuracy, k=None, dataset="uci-har"):
    """A row whose accuracy is exactly ``accuracy`` % of 20 windows of 2 classes."""
    y = np.array([0] * 10 + [1] * 10)
    n_right = int(round(accuracy / 100 * 20))
    pred = y.copy()
    pred[n_right:] = 1 - pred[n_right:]
    scores = np.eye(2)[pred]
    return evaluate_scores(y, scores, dataset=dataset, split=SPLIT, protocol=protocol, model=model, seed=seed, k=k,
                           class_names=["sitting", "walking"], n_bootstrap=50)  # fmt: skip


@pytest.fixture
def files(tmp_path):
    """The three formats: evaluate's results.json (a list), zero-shot --json (one object), few-shot --json (a list)."""
    evaluate = [_row("full-shot", "supervised-tpn", s, a).to_dict() for s, a in zip((0, 1, 2), (70, 80, 90))]
    evaluate += [_row("full-shot", "supervised-tpn", 0, 50, dataset="utd-mhad").to_dict()]
    zero = _row("zero-shot", "default", 0, 60).to_dict()
    few = [_row("few-shot", "default", s, a, k=k).to_dict() for k, accs in ((1, (60, 70)), (5, (80, 90)))
           for s, a in zip((0, 1), accs)]  # fmt: skip
    (tmp_path / "ev").mkdir()
    paths = [tmp_path / "ev" / "results.json", tmp_path / "zero.json", tmp_path / "few.json"]
    for path, data in zip(paths, (evaluate, zero, few)):
        path.write_text(json.dumps(data))
    return paths


def test_report_renders_mean_and_std_over_seeds_and_plots(files, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["report", *map(str, files), "--out", str(out), "--quiet"]) == 0
    md = (out / "report.md").read_text()
    # population std over seeds: 70, 80, 90 -> 80.0 ± 8.2; few-shot k=5: 80, 90 -> 85.0 ± 5.0
    assert "| uci-har | full-shot | - | supervised-tpn | 0,1,2 | 80.0 ± 8.2 |" in md
    assert "| uci-har | few-shot | 5 | default | 0,1 | 85.0 ± 5.0 |" in md
    assert "| uci-har | zero-shot | - | default | 0 | 60.0 |" in md
    assert "| utd-mhad | full-shot | - | supervised-tpn | 0 | 50.0 |" in md
    assert f"**uci-har** (default few-shot; default zero-shot; supervised-tpn full-shot): {SPLIT}" in md  # each dataset's split rule is stated
    assert "| seed | k |" in md  # every run, with its seed and k
    assert md.count("| uci-har | " + SPLIT + " | few-shot |") == 4
    for name in ("benchmark_bars.png", "k_shot.png"):
        assert (out / name).read_bytes()[:8] == PNG and f"]({name})" in md
    assert len(json.loads((out / "rows.json").read_text())) == 4 + 1 + 4
    assert "report of 9 rows" in capsys.readouterr().out


def test_overview_lists_each_seed_once_when_draws_repeat_it(tmp_path):
    """Few-shot repeats draw several k-shot sets per seed: the overview names seeds once and counts the runs."""
    rows = [_row("few-shot", "default", s, a, k=1) for s, a in ((0, 60), (0, 70), (1, 80), (1, 90))]
    for i, r in enumerate(rows):  # distinct runs (another draw), so none is dropped as a duplicate
        r.extra = {**(r.extra or {}), "repeat": i % 2}
    path = tmp_path / "few.json"
    path.write_text(json.dumps([r.to_dict() for r in rows]))
    assert main(["report", str(path), "--out", str(tmp_path / "r"), "--quiet"]) == 0
    md = (tmp_path / "r" / "report.md").read_text()
    assert "| uci-har | few-shot | 1 | default | 0,1 (4 runs) | 75.0 ± 11.2 |" in md


def test_a_folder_and_repeated_files_count_each_run_once(files, tmp_path):
    out = tmp_path / "report"
    assert main(["report", str(files[0].parent), str(files[0]), "--out", str(out), "--quiet"]) == 0
    md = (out / "report.md").read_text()
    assert "4 rows repeated across files were counted once" in md
    assert "| uci-har | full-shot | - | supervised-tpn | 0,1,2 | 80.0 ± 8.2 |" in md
    assert not (out / "k_shot.png").exists()  # no few-shot rows


def test_report_reads_what_evaluate_wrote(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    import torch

    from _cli_helpers import patch_benchmark_loader

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        patch_benchmark_loader(monkeypatch)
        ev = tmp_path / "ev"
        assert main(["evaluate", "--method", "comodo", "--param", "objective=none", "--benchmarks", "uci-har",
                     "--data-dir", f"uci-har={tmp_path}", "--seeds", "0,1", "--out", str(ev), "--quiet"]) == 0  # fmt: skip
    finally:
        torch.set_num_threads(threads)
    rows = json.loads((ev / "results.json").read_text())
    out = tmp_path / "report"
    assert main(["report", str(ev / "results.json"), "--out", str(out), "--confusion", "--quiet"]) == 0
    md = (out / "report.md").read_text()
    acc = np.array([r["accuracy"] for r in rows])
    assert f"| uci-har | full-shot | - | comodo(objective=none) | 0,1 | {acc.mean():.1f} ± {acc.std():.1f} |" in md
    (png,) = out.glob("confusion_*.png")
    assert png.read_bytes()[:8] == PNG


def test_fusionactnet_summaries_become_rows(tmp_path):
    summary = {"dataset": "uci-har", "method": "fusionactnet", "split_rule": SPLIT, "n_test_windows": 30,
               "classes": ["a", "b"], "per_seed": [{"seed": 0, "accuracy": 90.0, "macro_f1": 89.0, "accuracy_no_gate": 80.0,
                                                    "macro_f1_no_gate": 79.0}]}  # fmt: skip
    path = tmp_path / "summary.json"
    path.write_text(json.dumps([summary]))
    out = tmp_path / "report"
    assert main(["report", str(path), "--out", str(out), "--quiet"]) == 0
    md = (out / "report.md").read_text()
    assert "| uci-har | full-shot | - | fusionactnet | 0 | 90.0 | 89.0 |" in md
    assert "| uci-har | full-shot | - | fusionactnet(use_gate=false) | 0 | 80.0 | 79.0 |" in md


def test_garbled_missing_and_rowless_files_are_typed_errors(tmp_path, capsys):
    from imuhar.cli._report import load_result_rows

    garbled = tmp_path / "garbled.json"
    garbled.write_text('[{"dataset": "uci-har", "protocol": ')
    with pytest.raises(DataFormatError, match="garbled.json is not valid JSON .*line 1.*imuhar evaluate --out"):
        load_result_rows(garbled)
    assert main(["report", str(garbled), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "garbled.json" in err and "Re-run the command that wrote it" in err
    with pytest.raises(DataNotFoundError, match="nowhere.json not found"):
        load_result_rows(tmp_path / "nowhere.json")
    with pytest.raises(DataNotFoundError, match="without results.json"):
        load_result_rows(tmp_path)
    lacking = tmp_path / "lacking.json"
    lacking.write_text(json.dumps([{"dataset": "uci-har", "accuracy": 50.0}]))
    with pytest.raises(DataFormatError, match=r"row 0 lacks \['split', 'protocol', 'model', 'seed'\]"):
        load_result_rows(lacking)
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps({"dataset": "d", "split": "s", "protocol": "guessing", "model": "m", "seed": 0, "accuracy": 1}))
    with pytest.raises(DataFormatError, match="protocol 'guessing'"):
        load_result_rows(odd)
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    with pytest.raises(DataFormatError, match="holds no result rows"):
        load_result_rows(empty)
    binary = tmp_path / "weights.json"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(DataFormatError, match="not a text"):
        load_result_rows(binary)


def test_a_broken_fusionactnet_summary_names_its_file(tmp_path):
    from imuhar.cli._report import load_result_rows

    path = tmp_path / "summary.json"
    path.write_text(json.dumps({"dataset": "uci-har", "method": "fusionactnet", "per_seed": []}))
    with pytest.raises(DataFormatError, match=r"summary.json: entry 0: .*\['split_rule'\]"):
        load_result_rows(path)
