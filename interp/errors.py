"""Exception types, one per boundary.

Every message is written for the person at the keyboard: what was expected, what was found, and what to do,
one sentence each, on one line.
"""

from __future__ import annotations


class InterpError(Exception):
    """Base class of every error the suite raises on purpose."""


class DataError(InterpError):
    """A data file or frame cannot be used (missing column, NaN, gaps, too few rows, ...)."""


class DataWarning(UserWarning):
    """Data that can be used but look wrong (a value implausibly far from the rest of its column).

    The CLI prints each as one line, ``interp: warning: …``.
    """


class CheckpointError(InterpError):
    """A checkpoint cannot be loaded or does not fit the data it is studied on."""


class ConfigError(InterpError):
    """An option or model specification is invalid (``--horizon 7``, ``--model`` that does not import)."""


class InvariantError(AssertionError):
    """An interpretability invariant does not hold for the model under test.

    Subclasses ``AssertionError`` so that pytest reports it as a failed check, not as an error.
    """


class InvariantSkipped(Exception):
    """An invariant does not apply to this data (e.g. the planted decoy only exists in the embedded data)."""
