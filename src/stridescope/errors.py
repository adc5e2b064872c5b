"""Exceptions and warnings raised by stridescope.

Hierarchy::

    StridescopeError
    ├── InputError (also a ValueError): the input cannot be used as given
    │   ├── UnsupportedFormatError: the format is unknown or cannot be inferred
    │   └── MissingDataError: a required marker, column or channel is absent
    └── InsufficientDataError: the input is valid but too short (e.g. < 2 strides)

    StridescopeWarning (UserWarning): a recoverable oddity the caller should know about

Messages follow one template: what was wrong, what was expected, what was found and,
when it helps, how to fix it. The command line prints ``str(error)`` on one line and
exits with status 2 for every :class:`StridescopeError`.
"""

from __future__ import annotations

__all__ = [
    "InputError",
    "InsufficientDataError",
    "MissingDataError",
    "StridescopeError",
    "StridescopeWarning",
    "UnsupportedFormatError",
]


class StridescopeError(Exception):
    """Base class of every error stridescope raises on purpose."""


class InputError(StridescopeError, ValueError):
    """The input (a file or an array) cannot be used as given."""


class UnsupportedFormatError(InputError):
    """The file format is not supported or could not be inferred."""


class MissingDataError(InputError):
    """A marker, column or channel that the computation needs is absent."""


class InsufficientDataError(StridescopeError):
    """The input is valid but holds too little to compute the result (e.g. strides)."""


class StridescopeWarning(UserWarning):
    """A recoverable oddity in the input or the computation."""
