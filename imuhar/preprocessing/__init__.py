"""Preprocessing: units, resampling, filters, gravity separation, windows, standardizing and subject splits.

Every function that takes a :class:`~imuhar.core.Recording` returns a new one with a provenance step
appended; array versions take ``rate_hz`` explicitly. All of it is vectorized numpy/scipy.
"""

from ._filters import bandpass, butter_sos, highpass, lowpass, split_gravity
from ._pipeline import preprocess
from ._resample import UniformSeries, fill_gaps, rational_ratio, resample, resample_irregular, resample_labels
from ._splits import (
    SubjectFold,
    SubjectSplit,
    carve_validation,
    check_subjects_disjoint,
    grouped_kfold,
    leave_one_subject_out,
    split_subjects,
)
from ._standardize import Standardizer
from ._units import STANDARD_GRAVITY, UNITS, adc_to_si, convert_units, to_si_recording, unit_kind
from ._windowing import LABEL_RULES, fit_length, sliding_windows, window_labels, window_starts

__all__ = [
    "LABEL_RULES",
    "STANDARD_GRAVITY",
    "Standardizer",
    "SubjectFold",
    "SubjectSplit",
    "UNITS",
    "UniformSeries",
    "adc_to_si",
    "bandpass",
    "butter_sos",
    "carve_validation",
    "check_subjects_disjoint",
    "convert_units",
    "fill_gaps",
    "fit_length",
    "grouped_kfold",
    "highpass",
    "leave_one_subject_out",
    "lowpass",
    "preprocess",
    "rational_ratio",
    "resample",
    "resample_irregular",
    "resample_labels",
    "sliding_windows",
    "split_gravity",
    "split_subjects",
    "to_si_recording",
    "unit_kind",
    "window_labels",
    "window_starts",
]
