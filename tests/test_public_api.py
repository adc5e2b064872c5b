"""The public surface is curated: guard it (names in __all__ exist and are stable)."""

from __future__ import annotations

import importlib

import pytest

import stridescope

PUBLIC = {
    "stridescope": {
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
    },
}


@pytest.mark.parametrize("module_name", sorted(PUBLIC))
def test_all_is_exactly_the_public_surface(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert set(module.__all__) == PUBLIC[module_name]
    for name in module.__all__:
        assert hasattr(module, name)


def test_version_is_a_string() -> None:
    assert isinstance(stridescope.__version__, str)
    assert stridescope.__version__.count(".") == 2
