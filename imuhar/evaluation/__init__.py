"""Evaluation: zero-shot, few-shot, linear-probe and full-shot protocols, metrics with bootstrap intervals,
and tidy JSON result rows that state dataset, split, protocol, model, seed and k.

Metrics are in percent. Importing this subpackage needs numpy only (scikit-learn and pandas load on use).
"""

from ._metrics import (
    Interval,
    accuracy,
    bootstrap_metrics,
    classification_metrics,
    confusion_matrix,
    macro_f1,
    recall_at_k,
    top_k_hits,
)
from ._protocols import (
    DEFAULT_KS,
    centroid_scores,
    linear_probe_scores,
    run_few_shot,
    run_full_shot,
    run_linear_probe,
    run_zero_shot,
    sample_few_shot,
    select_probe_c,
    zero_shot_scores,
)
from ._report import markdown_report, plot_benchmark_bars, plot_confusion_matrix, plot_k_shot_curve
from ._results import (
    PROTOCOLS,
    ResultRow,
    evaluate_scores,
    read_results,
    results_frame,
    summarize_repeats,
    write_results,
)

__all__ = [
    "DEFAULT_KS",
    "Interval",
    "PROTOCOLS",
    "ResultRow",
    "accuracy",
    "bootstrap_metrics",
    "centroid_scores",
    "classification_metrics",
    "confusion_matrix",
    "evaluate_scores",
    "linear_probe_scores",
    "macro_f1",
    "markdown_report",
    "plot_benchmark_bars",
    "plot_confusion_matrix",
    "plot_k_shot_curve",
    "read_results",
    "recall_at_k",
    "results_frame",
    "run_few_shot",
    "run_full_shot",
    "run_linear_probe",
    "run_zero_shot",
    "sample_few_shot",
    "select_probe_c",
    "summarize_repeats",
    "top_k_hits",
    "write_results",
    "zero_shot_scores",
]
