"""Fake-data makers for tests and examples: small, physically plausible recordings with known answers."""

from ._fake import make_recording, make_windows

__all__ = ["make_recording", "make_windows"]
