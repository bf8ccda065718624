"""The ``imuhar`` command line. Each subcommand lives in ``_<name>.py`` with ``add_parser`` and ``run``."""

from ._main import main

__all__ = ["main"]
