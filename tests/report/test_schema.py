"""report.json follows its JSON Schema and the documented contract."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema
import pytest

from stridescope import io
from stridescope.pipeline import analyze
from stridescope.report.json import render_json
from stridescope.video.audio import AudioCadence, cadence_check
from tests.fixtures.synthetic_runner import synthetic_runner

REQUIRED_METRICS = {
    "hip_sagittal_rom_deg",
    "hip_frontal_rom_deg",
    "hip_transverse_rom_deg",
    "hip_flexion_peak_deg",
    "hip_extension_peak_deg",
    "pelvis_tilt_rom_deg",
    "pelvis_obliquity_rom_deg",
    "pelvis_rotation_rom_deg",
    "trunk_lateral_lean_mean_deg",
}


def _schema() -> dict[str, Any]:
    text = resources.files("stridescope.report").joinpath("report.schema.json")
    return dict(json.loads(text.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("schema") / "runner.nc"
    io.save(synthetic_runner(duration_s=4.0).trial, path)
    return json.loads(render_json(analyze([path])))


def test_schema_is_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(_schema())


def test_report_validates(report: dict[str, Any]) -> None:
    jsonschema.validate(report, _schema())


def test_required_metrics_present_when_supported(report: dict[str, Any]) -> None:
    assert set(report["metrics"]) >= REQUIRED_METRICS
    # Knee flexion needs knee markers, which the synthetic runner lacks.
    assert "left_knee_flexion" in report["unavailable"]


def test_sided_and_unsided_metrics(report: dict[str, Any]) -> None:
    assert set(report["metrics"]["hip_flexion_peak_deg"]) >= {"left", "right"}
    assert "value" in report["metrics"]["pelvis_tilt_rom_deg"]


def test_schema_rejects_a_broken_report(report: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(report))
    broken["metrics"]["hip_sagittal_rom_deg"]["confidence"] = "certain"
    with pytest.raises(jsonschema.ValidationError, match="certain"):
        jsonschema.validate(broken, _schema())


def test_report_has_no_nan_literals(report: dict[str, Any]) -> None:
    assert "NaN" not in json.dumps(report)


@pytest.mark.parametrize(
    "heard",
    [
        AudioCadence(277.2, 60 / 277.2, 0.4, (1.1, 3.5)),
        AudioCadence(None, None, 0.1, (1.1, 3.5), "no clear footfall rhythm"),
        "the clip has no sound track",
    ],
    ids=["heard", "no-rhythm", "no-sound"],
)
def test_audio_cadence_entries_validate(
    report: dict[str, Any], heard: AudioCadence | str
) -> None:
    with_audio = json.loads(json.dumps(report))
    with_audio["inputs"][0]["audio_cadence"] = cadence_check(heard, 281.1)
    jsonschema.validate(with_audio, _schema())
    with_audio["inputs"][0]["audio_cadence"]["agrees"] = "yes"
    with pytest.raises(jsonschema.ValidationError, match="yes"):
        jsonschema.validate(with_audio, _schema())
