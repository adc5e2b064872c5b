"""stridescope: a movement screen of a runner's hip, pelvis and trunk habits.

Importing the package has no side effects (no files, no logging handlers, no network).
"""

from stridescope._version import __version__
from stridescope.errors import (
    InputError,
    InsufficientDataError,
    MissingDataError,
    StridescopeError,
    StridescopeWarning,
    UnsupportedFormatError,
)
from stridescope.model.trial import Event, from_arrays, validate_trial

__all__ = [
    "Event",
    "InputError",
    "InsufficientDataError",
    "MissingDataError",
    "StridescopeError",
    "StridescopeWarning",
    "UnsupportedFormatError",
    "__version__",
    "from_arrays",
    "validate_trial",
]
