"""Typed exceptions shared by every part of imuhar.

Every error names what was wrong, what is allowed, what was received and how to fix it. Each subclasses
the built-in exception a caller would naturally catch (``ValueError``, ``TypeError``, ``KeyError``,
``FileNotFoundError``) as well as :class:`ImuharError`, so ``except ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "ImuharError",
    "InvalidSignalError",
    "ShapeMismatchError",
    "InvalidRateError",
    "UnknownPlacementError",
    "ChannelMismatchError",
    "LabelLengthError",
    "UnknownUnitError",
    "InvalidParameterError",
    "SplitLeakageError",
    "NotFittedError",
    "DataFormatError",
    "DataNotFoundError",
    "ChecksumError",
]


class ImuharError(Exception):
    """Base class of every error raised on purpose by imuhar."""


class InvalidSignalError(ImuharError, ValueError):
    """A signal holds NaN or infinite values, or values outside their physical range."""


class ShapeMismatchError(ImuharError, ValueError):
    """An array does not have the shape an operation requires."""


class InvalidRateError(ImuharError, ValueError):
    """A sample rate is zero, negative, not finite, or cannot be reached."""


class UnknownPlacementError(ImuharError, KeyError):
    """A body placement name is neither a canonical node nor a known alias."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly instead
        return str(self.args[0]) if self.args else ""


class ChannelMismatchError(ImuharError, ValueError):
    """The number or names of channels differ from what the operation expects."""


class LabelLengthError(ImuharError, ValueError):
    """Per-sample labels do not have one entry per sample."""


class UnknownUnitError(ImuharError, ValueError):
    """A unit name is not one imuhar can convert."""


class InvalidParameterError(ImuharError, ValueError):
    """A parameter is out of its allowed range or of the wrong kind."""


class SplitLeakageError(ImuharError, ValueError):
    """A subject appears on both sides of a split, or test data reaches model selection."""


class NotFittedError(ImuharError, ValueError):
    """An estimator was used before ``fit``."""


class DataFormatError(ImuharError, ValueError):
    """A data file does not follow the layout its format documents."""


class DataNotFoundError(ImuharError, FileNotFoundError):
    """Data files that an operation needs are not where it looked."""


class ChecksumError(ImuharError, ValueError):
    """A downloaded file's SHA-256 does not match the expected digest."""
