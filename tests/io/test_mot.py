"""Tests of the OpenSim .mot/.sto reader, the force-plate reader and write_mot."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stridescope.errors import InputError, MissingDataError, StridescopeWarning
from stridescope.io import load, read_force_plates
from stridescope.io.mot import (
    is_force_file,
    read_mot,
    sniff_grf,
    sniff_mot,
    write_mot,
)
from tests.fixtures.mocap_synthetic import angle_trial, known_angles_deg


def _log(ds) -> dict[str, dict]:
    return {e["operation"]: e for e in json.loads(ds.attrs["log"])}


def _mot(columns: list[str], rows: list[list[float]], header: str) -> str:
    body = "\n".join("\t".join(str(v) for v in row) for row in rows)
    return f"{header}\nendheader\n" + "\t".join(columns) + "\n" + body + "\n"


NEW_HEADER = "Coordinates\nversion=1\nnRows=3\nnColumns=4\ninDegrees=no"
OLD_HEADER = "name trial.mot\ndatacolumns 4\ndatarows 3\nrange 0 0.02"
COLS = ["time", "pelvis_tilt", "knee_angle_r", "hip_flexion_r"]
RAD_ROWS = [[0.0, 0.1, -1.5, 0.5], [0.01, 0.2, -1.0, 0.6], [0.02, 0.1, -0.2, 0.7]]


def test_sniffers_tell_motion_from_force_files() -> None:
    motion = b"Coordinates\nversion=1\nendheader\ntime\tpelvis_tilt\n"
    force = b"nColumns=19\nendheader\ntime\tground_force_1_vx\n"
    assert sniff_mot(motion)
    assert not sniff_grf(motion)
    assert sniff_grf(force)
    assert not sniff_mot(force)
    assert not sniff_mot(b"PathFileType\t4")
    assert is_force_file(["R_ground_force_vy"])
    assert not is_force_file(["knee_angle_r"])


def test_committed_mot_gives_back_the_known_angles(test_data: Path) -> None:
    ds = read_mot(test_data / "synthetic_angles.mot")
    expected = known_angles_deg()
    assert ds.joint.values.tolist() == list(expected)
    for name, values in expected.items():
        np.testing.assert_allclose(ds.angle.sel(joint=name).values, values, atol=1e-9)
    assert ds.attrs["angle_source"] == "file:opensim"
    assert ds.joint_source_name.sel(joint="pelvis_anterior_tilt") == "pelvis_tilt"
    assert _log(ds)["knee_flexion_sign"]["sign"] == 1.0
    origin = angle_trial().position.sel(keypoint="opensim_pelvis_origin")
    np.testing.assert_allclose(
        ds.position.sel(keypoint="opensim_pelvis_origin").values, origin.values
    )


def test_write_mot_converts_names_and_signs_back(tmp_path: Path) -> None:
    write_mot(angle_trial(), tmp_path / "a.mot")
    lines = (tmp_path / "a.mot").read_text().splitlines()
    assert "inDegrees=yes" in lines
    columns = lines[lines.index("endheader") + 1].split("\t")
    first = dict(
        zip(
            columns,
            map(float, lines[lines.index("endheader") + 2].split("\t")),
            strict=True,
        )
    )
    angles = known_angles_deg()
    assert first["pelvis_tilt"] == pytest.approx(-angles["pelvis_anterior_tilt"][0])
    assert first["pelvis_list"] == pytest.approx(-angles["pelvis_obliquity"][0])
    assert first["lumbar_extension"] == pytest.approx(-angles["lumbar_flexion"][0])
    assert first["hip_rotation_r"] == pytest.approx(
        angles["right_hip_internal_rotation"][0]
    )
    assert {"pelvis_tx", "pelvis_ty", "pelvis_tz", "ankle_angle_r"} <= set(columns)
    with pytest.raises(InputError, match="overwrite=True"):
        write_mot(angle_trial(), tmp_path / "a.mot")


def test_knee_sign_round_trips_for_gait2392_models(tmp_path: Path) -> None:
    write_mot(angle_trial(), tmp_path / "neg.mot", knee_flexion_sign=-1)
    ds = read_mot(tmp_path / "neg.mot")
    assert _log(ds)["knee_flexion_sign"]["sign"] == -1.0
    np.testing.assert_allclose(
        ds.angle.sel(joint="right_knee_flexion").values,
        known_angles_deg()["right_knee_flexion"],
    )
    with pytest.raises(InputError, match="knee_flexion_sign"):
        write_mot(angle_trial(), tmp_path / "x.mot", knee_flexion_sign=2)


def test_radians_are_converted_with_opensim_signs(tmp_path: Path) -> None:
    (tmp_path / "r.mot").write_text(_mot(COLS, RAD_ROWS, NEW_HEADER))
    ds = read_mot(tmp_path / "r.mot")
    tilt = ds.angle.sel(joint="pelvis_anterior_tilt").values
    np.testing.assert_allclose(tilt, -np.degrees([0.1, 0.2, 0.1]))
    knee = ds.angle.sel(joint="right_knee_flexion").values
    np.testing.assert_allclose(knee, np.degrees([1.5, 1.0, 0.2]))  # flexion negative
    assert _log(ds)["angle_unit"]["in_degrees"] is False
    assert "position" not in ds


def test_old_header_without_indegrees(tmp_path: Path) -> None:
    path = tmp_path / "old.mot"
    path.write_text(_mot(COLS, RAD_ROWS, OLD_HEADER))
    with pytest.raises(InputError, match="inDegrees"):
        read_mot(path)
    degree_rows = [[r[0], *np.degrees(r[1:])] for r in RAD_ROWS]
    path.write_text(_mot(COLS, degree_rows, OLD_HEADER))
    with pytest.warns(StridescopeWarning, match="reading angles as degrees"):
        ds = read_mot(path)
    np.testing.assert_allclose(
        ds.angle.sel(joint="right_hip_flexion").values, np.degrees([0.5, 0.6, 0.7])
    )


def test_row_count_mismatch_warns(tmp_path: Path) -> None:
    (tmp_path / "r.mot").write_text(_mot(COLS, RAD_ROWS[:2], NEW_HEADER))
    with pytest.warns(StridescopeWarning, match="expected 3 rows"):
        ds = read_mot(tmp_path / "r.mot")
    assert ds.sizes["time"] == 2


def test_sto_state_paths_markers_and_dropped_columns(tmp_path: Path) -> None:
    columns = [
        "time",
        "/jointset/ground_pelvis/pelvis_list/value",
        "/jointset/ground_pelvis/pelvis_list/speed",
        "/jointset/back/lumbar_bending/value",
        "/forceset/soleus_r/activation",
        "RASI_tx",
        "RASI_ty",
        "RASI_tz",
        "knee_tx",
    ]
    rows = [[0.01 * i, 0.05, 1.0, -0.1, 0.3, 1.0, 0.9, 0.12, 0.0] for i in range(4)]
    header = "Run\nversion=1\ninDegrees=no"
    (tmp_path / "s.sto").write_text(_mot(columns, rows, header))
    ds = read_mot(tmp_path / "s.sto")
    assert ds.joint.values.tolist() == ["pelvis_obliquity", "lumbar_lateral_bending"]
    assert ds.angle.sel(joint="pelvis_obliquity")[0] == pytest.approx(-np.degrees(0.05))
    # OpenSim (x, y, z) = (1.0, 0.9, 0.12) -> lab (1.0, -0.12, 0.9)
    rasi = ds.position.sel(keypoint="right_asis").isel(time=0).values
    np.testing.assert_allclose(rasi, [1.0, -0.12, 0.9])
    dropped = _log(ds)["dropped_columns"]["columns"]
    assert set(dropped) == {columns[2], columns[4], "knee_tx"}


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("", InputError, "empty"),
        ("version=1\ntime\tpelvis_tilt\n0\t1\n", InputError, "endheader"),
        (
            _mot(COLS, [RAD_ROWS[0], RAD_ROWS[1][:3], RAD_ROWS[2]], NEW_HEADER),
            InputError,
            "line 9 has 3",
        ),
        (
            _mot(COLS, RAD_ROWS, NEW_HEADER).replace("0.6", "six"),
            InputError,
            "line 9 column 4",
        ),
        (
            _mot(["time", "foo_tx"], [[0, 1], [0.1, 2]], "version=1"),
            MissingDataError,
            "coordinate or marker",
        ),
        (_mot(["t", "a"], [[0, 1], [0.1, 2]], "version=1"), MissingDataError, "'time'"),
        (_mot(COLS, [], NEW_HEADER), MissingDataError, "data rows"),
        (
            _mot(["time", "ground_force_vy"], [[0, 1], [0.1, 2]], "version=1"),
            InputError,
            "force file",
        ),
    ],
)
def test_bad_files_raise_one_line_errors(
    tmp_path: Path, text: str, error: type[Exception], match: str
) -> None:
    path = tmp_path / "bad.mot"
    path.write_text(text)
    with pytest.raises(error, match=f"^bad.mot: .*{match}") as info:
        read_mot(path)
    assert "\n" not in str(info.value)


GRF_COLUMNS = [
    "time",
    *(
        f"{p}_ground_force_{c}"
        for p in "RL"
        for c in ("vx", "vy", "vz", "px", "py", "pz")
    ),
    "R_ground_torque_x",
]


def _grf_rows() -> list[list[float]]:
    return [
        [0.000, 10, 700, 5, 0.5, 0, -0.3, 0, 0, 0, 0, 0, 0, 1],
        [0.001, 12, 710, 6, 0.6, 0, -0.3, 0, 0, 0, 0, 0, 0, 1],
        [0.002, 0, 0, 0, 0, 0, 0, 3, 300, 2, 0.7, 0, 0.2, 1],
    ]


def test_read_force_plates(tmp_path: Path) -> None:
    path = tmp_path / "run_grf.mot"
    path.write_text(_mot(GRF_COLUMNS, _grf_rows(), "name grf\nversion=1"))
    grf = read_force_plates(path)
    assert grf.plate.values.tolist() == ["R", "L"]
    assert grf.plate_side.values.tolist() == ["right", "left"]
    assert grf.attrs["sampling_rate_hz"] == 1000.0
    np.testing.assert_allclose(grf.vertical_force_n.sel(plate="R"), [700, 710, 0])
    # OpenSim COP (0.5, 0, -0.3) -> lab (0.5, 0.3, 0); unloaded 0,0,0 -> NaN
    np.testing.assert_allclose(grf.cop.sel(plate="R").isel(time=0), [0.5, 0.3, 0.0])
    assert np.isnan(grf.cop.sel(plate="R").isel(time=2)).all()
    np.testing.assert_allclose(grf.force_n.sel(plate="L").isel(time=2), [3, -2, 300])
    log = {e["operation"]: e for e in json.loads(grf.attrs["log"])}
    assert log["dropped_columns"]["columns"] == ["R_ground_torque_x"]
    assert "sampling_rate_from_time_column" in log


def test_load_refuses_a_force_file(tmp_path: Path) -> None:
    path = tmp_path / "run_grf.mot"
    path.write_text(_mot(GRF_COLUMNS, _grf_rows(), "version=1"))
    with pytest.raises(InputError, match="alongside a motion file"):
        load(path)


def test_plates_without_force_columns(tmp_path: Path) -> None:
    path = tmp_path / "m.mot"
    path.write_text(_mot(COLS, RAD_ROWS, NEW_HEADER))
    with pytest.raises(MissingDataError, match="ground_force"):
        read_force_plates(path)


# --- real recordings -------------------------------------------------------------


def test_hamner_sto_angles_markers_and_signs(shared_data: Path) -> None:
    ds = read_mot(shared_data / "mocap-hamner2013-s01-run3ms" / "ikTrackingData.sto")
    assert ds.sizes["time"] == 475
    assert ds.attrs["sampling_rate_hz"] == 100.0
    assert float(ds.time[0]) == pytest.approx(0.05)
    hip = ds.angle.sel(joint="right_hip_flexion")
    assert float(hip.min()) == pytest.approx(-8.1, abs=0.3)
    assert float(hip.max()) == pytest.approx(49.5, abs=0.3)
    knee = ds.angle.sel(joint="right_knee_flexion")  # file: negative in flexion
    assert 90 < float(knee.max()) < 130
    assert float(knee.min()) > 0
    tilt = ds.angle.sel(joint="pelvis_anterior_tilt")
    assert float(tilt[0]) == pytest.approx(-np.degrees(-0.25412699336214511))
    rasi = ds.position.sel(keypoint="right_asis").isel(time=0).values
    np.testing.assert_allclose(rasi, [0.99453372, 0.22508352, 1.06156389])
    assert ds.sizes["keypoint"] == 43  # 42 markers + the pelvis origin
    _check_pelvis_signs_against_markers(ds)


def _check_pelvis_signs_against_markers(ds) -> None:
    pos = ds.position
    asis = pos.sel(keypoint="right_asis") - pos.sel(keypoint="left_asis")
    psis_minus_asis = (
        pos.sel(keypoint=["left_psis", "right_psis"]).mean("keypoint")
        - pos.sel(keypoint=["left_asis", "right_asis"]).mean("keypoint")
    ).sel(space="z")

    def corr(name: str, other) -> float:
        return float(np.corrcoef(ds.angle.sel(joint=name), other)[0, 1])

    assert corr("pelvis_obliquity", asis.sel(space="z")) > 0.4  # right side up
    assert corr("pelvis_rotation", asis.sel(space="x")) > 0.9  # right side forward
    assert corr("pelvis_anterior_tilt", psis_minus_asis) > 0.9


def test_addbio_ik_mot_in_radians(shared_data: Path) -> None:
    ds = read_mot(shared_data / "mocap-hamner2013-run300-addbio" / "run300_ik.mot")
    assert ds.sizes["time"] == 216
    assert float(ds.time[0]) == pytest.approx(0.52)
    assert _log(ds)["angle_unit"]["in_degrees"] is False
    assert _log(ds)["knee_flexion_sign"]["sign"] == -1.0
    assert float(ds.angle.sel(joint="right_knee_flexion").max()) > 90


def test_ja1_sprint_ik_in_degrees(shared_data: Path) -> None:
    folder = shared_data / "mocap-ja1-sprint-c3d-opensim"
    ds = read_mot(folder / "JA1Gait35_ik_by_opensim.mot")
    assert ds.sizes["time"] == 322
    assert ds.attrs["sampling_rate_hz"] == 250.0
    tilt = ds.angle.sel(joint="pelvis_anterior_tilt")
    assert float(tilt[0]) == pytest.approx(18.82187065)  # file pelvis_tilt -18.82
    assert _log(ds)["knee_flexion_sign"]["sign"] == 1.0  # Rajagopal-type model
    assert 90 < float(ds.angle.sel(joint="left_knee_flexion").max()) < 160
    assert "knee_angle_r_beta" in ds.joint.values


def test_ja1_run350_mot(shared_data: Path) -> None:
    ds = read_mot(shared_data / "mocap-ja1-run350-opensim" / "run0350cms.mot")
    assert ds.sizes["time"] == 836
    assert ds.attrs["sampling_rate_hz"] == 250.0
    origin = ds.position.sel(keypoint="opensim_pelvis_origin")
    assert float(origin.sel(space="z").mean()) == pytest.approx(1.0, abs=0.1)


def test_hamner_grf_gives_the_readme_foot_strikes(shared_data: Path) -> None:
    grf = read_force_plates(
        shared_data / "mocap-hamner2013-s01-run3ms" / "Run_3_grf.mot"
    )
    assert grf.sizes["time"] == 4741
    assert grf.attrs["sampling_rate_hz"] == 1000.0
    assert grf.plate_side.values.tolist() == ["right", "left"]
    right = grf.vertical_force_n.sel(plate="R").values
    rising = np.flatnonzero((right[1:] > 50) & (right[:-1] <= 50)) + 1
    strikes = grf.time.values[rising]
    expected = [0.527, 1.244, 1.966, 2.687, 3.393, 4.109]
    np.testing.assert_allclose(strikes, expected, atol=0.002)


def test_other_grf_files(shared_data: Path) -> None:
    addbio = read_force_plates(
        shared_data / "mocap-hamner2013-run300-addbio" / "run300_grf.mot"
    )
    assert addbio.plate.values.tolist() == ["1", "2"]
    assert addbio.plate_side.values.tolist() == ["", ""]
    ja1 = read_force_plates(
        shared_data / "mocap-ja1-sprint-c3d-opensim" / "JA1Gait35_grf.mot"
    )
    assert ja1.sizes["plate"] == 8
    assert ja1.attrs["sampling_rate_hz"] == 250.0
    assert float(ja1.vertical_force_n.max()) == pytest.approx(2434, abs=1)
