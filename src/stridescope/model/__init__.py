"""The trial data model: one validated ``xarray.Dataset`` every reader ends in."""

from stridescope.model.trial import Event, from_arrays, validate_trial

__all__ = ["Event", "from_arrays", "validate_trial"]
