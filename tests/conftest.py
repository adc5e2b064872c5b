"""Shared fixtures: the real recordings in ../shared/data, a network guard, and the
hypothesis profile."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run (seeded by the test), so CI
# passes or fails reproducibly. HYPOTHESIS_PROFILE=explore draws new ones each run,
# to look for edge cases locally; a case it finds becomes an explicit test.
settings.register_profile("deterministic", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

REPO_ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = Path(__file__).resolve().parent / "data"


def _find_shared_data() -> Path | None:
    env = os.environ.get("STRIDESCOPE_SHARED_DATA")
    candidates = [Path(env)] if env else []
    candidates += [REPO_ROOT.parent / "shared" / "data", REPO_ROOT / "shared" / "data"]
    return next((p for p in candidates if (p / "README.md").is_file()), None)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real recordings (``../shared/data``); skip when absent.

    Holds running/walking motion capture (OpenSim, TRC, C3D with Plug-in Gait outputs)
    and phone videos; each subfolder's README gives origin and licence.
    """
    found = _find_shared_data()
    if found is None:
        pytest.skip(
            "shared data not found: expected ../shared/data beside the repository "
            "(or STRIDESCOPE_SHARED_DATA) holding the real recordings"
        )
    return found


@pytest.fixture(scope="session")
def test_data() -> Path:
    """The small committed files in ``tests/data`` (provenance in its README)."""
    return TEST_DATA


class _NetworkBlockedError(RuntimeError):
    pass


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that opens an internet socket (unix sockets stay allowed)."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0] if isinstance(address, tuple) else address
            if host not in ("127.0.0.1", "::1", "localhost"):
                raise _NetworkBlockedError(f"network access attempted: {address!r}")
        real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
