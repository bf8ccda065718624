"""Bad input raises a typed error whose message names the problem and the fix; the table is counted."""

import numpy as np
import pytest

import imuhar.core as core
from imuhar.core import (
    ChannelMismatchError,
    InvalidParameterError,
    InvalidRateError,
    InvalidSignalError,
    LabelLengthError,
    LabelVocabulary,
    NotFittedError,
    Recording,
    ShapeMismatchError,
    SplitLeakageError,
    UnknownPlacementError,
    UnknownUnitError,
    Windows,
)
from imuhar import preprocessing as pp

GOOD = np.zeros((200, 3))
VOCAB = LabelVocabulary.from_names(["a", "b"])


def windows(n=4, channels=6):
    return Windows(x=np.zeros((n, 1, channels, 8), np.float32), node_mask=np.ones((n, 1), bool), labels=np.zeros(n, int),
                   subjects=np.array(["1", "2"] * (n // 2)), rate_hz=50, nodes=("pelvis",),
                   channels=pp_channels(channels), vocabulary=VOCAB)


def pp_channels(c):
    return tuple(f"{k}.{a}" for k in ("acc", "gyro") for a in "xyz")[:c]


def nan_signal():
    x = GOOD.copy()
    x[10, 1] = np.nan
    return x


def inf_signal():
    x = GOOD.copy()
    x[3, 0] = np.inf
    return x


# (id, callable, error type, fragment the message must contain)
CASES = [
    # NaN / inf
    ("nan in recording", lambda: Recording(acc={"waist": nan_signal()}, sample_rate_hz=50), InvalidSignalError, "fill_gaps"),
    ("inf into filter", lambda: pp.lowpass(inf_signal(), 5.0, rate_hz=50), InvalidSignalError, "NaN/inf"),
    ("nan into resample", lambda: pp.resample(nan_signal(), 50, 20), InvalidSignalError, "NaN/inf"),
    ("nan into windows", lambda: Windows(x=np.full((1, 1, 6, 4), np.nan, np.float32), node_mask=np.ones((1, 1), bool),
                                           labels=[0], subjects=["1"], rate_hz=50, nodes=("pelvis",)), InvalidSignalError, "NaN"),
    ("inf into fill_gaps", lambda: pp.fill_gaps(inf_signal()), InvalidSignalError, "replace them by NaN"),
    ("nan adc code", lambda: pp.adc_to_si([np.nan], bits=6), InvalidSignalError, "NaN"),
    # wrong shapes
    ("2 axes acc", lambda: Recording(acc={"waist": np.zeros((100, 2))}, sample_rate_hz=50), ShapeMismatchError, "3 columns"),
    ("unequal lengths", lambda: Recording(acc={"waist": GOOD}, gyro={"waist": GOOD[:150]}, sample_rate_hz=50), ShapeMismatchError, "same number of samples"),
    ("windows not 4-D", lambda: Windows(x=np.zeros((2, 6, 8), np.float32), node_mask=np.ones((2, 1), bool), labels=[0, 0],
                                          subjects=["1", "1"], rate_hz=50), ShapeMismatchError, "n_windows, n_nodes"),
    ("values vs timestamps", lambda: pp.resample_irregular(np.arange(10.0), np.zeros((9, 3)), 50), ShapeMismatchError, "one row per timestamp"),
    ("too short to filter", lambda: pp.lowpass(np.zeros((8, 3)), 5.0, rate_hz=50), ShapeMismatchError, "needs more than"),
    ("crop too short", lambda: pp.fit_length(windows(), 16, "crop"), ShapeMismatchError, "mode='tile'"),
    # rates
    ("zero rate", lambda: Recording(acc={"waist": GOOD}, sample_rate_hz=0), InvalidRateError, "above 0 Hz"),
    ("negative rate", lambda: pp.lowpass(GOOD, 5.0, rate_hz=-50), InvalidRateError, "above 0 Hz"),
    ("nan rate", lambda: pp.resample(GOOD, float("nan"), 20), InvalidRateError, "finite"),
    ("missing rate", lambda: pp.split_gravity(GOOD), InvalidRateError, "pass rate_hz"),
    ("zero target rate", lambda: pp.resample(GOOD, 50, 0), InvalidRateError, "target_rate_hz"),
    ("unreachable ratio", lambda: pp.rational_ratio(1.0, np.pi, max_denominator=5, rtol=1e-9), InvalidRateError, "max_denominator"),
    ("rate disagrees", lambda: pp.lowpass(Recording(acc={"waist": GOOD}, sample_rate_hz=50), 5.0, rate_hz=100), InvalidRateError, "leave rate_hz out"),
    ("mixed rates", lambda: pp.sliding_windows([Recording(acc={"waist": GOOD}, sample_rate_hz=50),
                                                Recording(acc={"waist": GOOD}, sample_rate_hz=25)], n_samples=10), InvalidRateError, "resample"),
    # placements
    ("unknown placement", lambda: Recording(acc={"elbw": GOOD}, sample_rate_hz=50), UnknownPlacementError, "Did you mean"),
    ("unknown window node", lambda: pp.sliding_windows(Recording(acc={"waist": GOOD}, sample_rate_hz=50), n_samples=10, nodes=["tail"]),
     UnknownPlacementError, "canonical nodes"),
    # channels
    ("standardizer channels", lambda: pp.Standardizer().fit(windows()).transform(windows(channels=3)), ChannelMismatchError, "same channels"),
    ("windows channel names", lambda: Windows(x=np.zeros((1, 1, 6, 4), np.float32), node_mask=np.ones((1, 1), bool), labels=[0],
                                                subjects=["1"], rate_hz=50, nodes=("pelvis",), channels=("acc.x",)), ChannelMismatchError, "channel names"),
    ("sktime channels", lambda: Windows.from_sktime(np.zeros((2, 5, 8)), None, rate_hz=50, nodes=["waist"]), ChannelMismatchError, "n_instances"),
    ("unknown sensor kind", lambda: pp.sliding_windows(Recording(acc={"waist": GOOD}, sample_rate_hz=50), n_samples=10, channels=("mag",)),
     InvalidParameterError, "subset of"),
    # labels
    ("labels longer than data", lambda: Recording(acc={"waist": GOOD}, sample_rate_hz=50, labels=np.zeros(201, int), vocabulary=VOCAB),
     LabelLengthError, "one class id per sample"),
    ("labels vs timestamps", lambda: pp.resample_irregular(np.arange(10.0), np.zeros((10, 3)), 50, labels=np.zeros(11)), LabelLengthError, "one per timestamp"),
    ("labels outside vocabulary", lambda: Recording(acc={"waist": GOOD}, sample_rate_hz=50, labels=np.full(200, 5), vocabulary=VOCAB),
     InvalidParameterError, "must lie in"),
    # units
    ("unknown unit", lambda: pp.convert_units(GOOD, "gauss", "g"), UnknownUnitError, "accelerometer units are"),
    ("cross-quantity units", lambda: pp.to_si_recording({"waist": GOOD}, sample_rate_hz=50, acc_unit="deg/s"), UnknownUnitError, "not an accelerometer unit"),
    # parameters
    ("cut-off above Nyquist", lambda: pp.lowpass(GOOD, 30.0, rate_hz=50), InvalidParameterError, "Nyquist"),
    ("bad overlap", lambda: pp.sliding_windows(Recording(acc={"waist": GOOD}, sample_rate_hz=50), n_samples=10, overlap=-0.1), InvalidParameterError, "overlap"),
    ("bad step", lambda: pp.sliding_windows(Recording(acc={"waist": GOOD}, sample_rate_hz=50), n_samples=10, step=0), InvalidParameterError, "positive integer"),
    # splits and estimators
    ("split leakage", lambda: pp.check_subjects_disjoint(train=["1", "2"], test=["2"]), SplitLeakageError, "both train and test"),
    ("standardizer leakage", lambda: pp.Standardizer().fit(windows(), check_disjoint=["2"]), SplitLeakageError, "declared test subjects"),
    ("not fitted", lambda: pp.Standardizer().transform(windows()), NotFittedError, "call fit"),
]


@pytest.mark.parametrize("name, call, error, fragment", CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_typed_error_with_a_useful_message(name, call, error, fragment):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert fragment in message, message
    assert len(message) > 30, "messages must say what was wrong and how to fix it"
    assert isinstance(info.value, core.ImuharError)


def test_every_data_error_class_is_exercised():
    required = {
        InvalidSignalError: 4,  # NaN / inf
        ShapeMismatchError: 4,  # wrong shapes
        InvalidRateError: 5,  # zero / negative / unreachable rates
        UnknownPlacementError: 2,
        ChannelMismatchError: 3,  # mismatched channel counts
        LabelLengthError: 2,  # labels longer than data
        UnknownUnitError: 2,
        InvalidParameterError: 4,
        SplitLeakageError: 2,
        NotFittedError: 1,
    }
    counts = {err: sum(1 for c in CASES if c[2] is err) for err in required}
    short = {e.__name__: (counts[e], n) for e, n in required.items() if counts[e] < n}
    assert not short, f"error classes with too few cases (have, need): {short}"
    # Typed errors stay catchable as the built-in a caller expects.
    assert issubclass(InvalidSignalError, ValueError) and issubclass(UnknownPlacementError, KeyError)
