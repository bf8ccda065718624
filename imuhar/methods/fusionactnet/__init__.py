"""FusionActNet: static and dynamic residual experts mixed by a residual-MobileNet gate (imports torch)."""

from ._data import NINE_CHANNELS, labelled_segments, nine_channel_windows
from ._evaluate import LOAD_OPTIONS, WINDOW_SETTINGS, benchmark_windows, evaluate_fusionactnet, subject_folds
from ._inputs import InputSpec, class_groups
from ._method import FusionActNet
from ._networks import DepthwiseSeparableUnit, FusionNetwork, ResidualBlock, ResidualMobileNet, ResNetExpert

__all__ = [
    "LOAD_OPTIONS",
    "NINE_CHANNELS",
    "WINDOW_SETTINGS",
    "benchmark_windows",
    "evaluate_fusionactnet",
    "labelled_segments",
    "nine_channel_windows",
    "subject_folds",
    "DepthwiseSeparableUnit",
    "FusionActNet",
    "FusionNetwork",
    "InputSpec",
    "ResNetExpert",
    "ResidualBlock",
    "ResidualMobileNet",
    "class_groups",
]
