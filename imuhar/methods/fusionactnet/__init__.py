"""FusionActNet: static and dynamic residual experts mixed by a residual-MobileNet gate (imports torch)."""

from ._inputs import InputSpec, class_groups
from ._method import FusionActNet
from ._networks import DepthwiseSeparableUnit, FusionNetwork, ResidualBlock, ResidualMobileNet, ResNetExpert

__all__ = [
    "DepthwiseSeparableUnit",
    "FusionActNet",
    "FusionNetwork",
    "InputSpec",
    "ResNetExpert",
    "ResidualBlock",
    "ResidualMobileNet",
    "class_groups",
]
