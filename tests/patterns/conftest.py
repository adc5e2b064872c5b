"""Real trials analysed once per session for the pattern tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from stridescope.pipeline import InputAnalysis, analyze_input

JA1 = "mocap-ja1-run350-opensim/run0350cms.trc"
HAMNER = "mocap-hamner2013-s01-run3ms/ikTrackingData.sto"
HAMNER_GRF = "mocap-hamner2013-s01-run3ms/Run_3_grf.mot"


@pytest.fixture(scope="session")
def ja1(shared_data: Path) -> InputAnalysis:
    """JA1 overground run at 3.5 m/s: TRC markers (mm), events detected, 3-4 strides."""
    return analyze_input(shared_data / JA1, "trc")


@pytest.fixture(scope="session")
def hamner(shared_data: Path) -> InputAnalysis:
    """Hamner treadmill run at 3 m/s: OpenSim angles + markers, force-plate events."""
    return analyze_input(
        shared_data / HAMNER, "mot", forces_path=shared_data / HAMNER_GRF
    )


@pytest.fixture(params=["ja1", "hamner"])
def real(request: pytest.FixtureRequest) -> InputAnalysis:
    """Each real trial in turn."""
    return request.getfixturevalue(request.param)
