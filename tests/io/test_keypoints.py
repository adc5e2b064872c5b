"""Tests of the pose-estimator keypoint readers and the label mapping."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from stridescope.errors import InputError, StridescopeWarning
from stridescope.io import _registry, detect_format, load
from stridescope.io import keypoints as kp
from stridescope.io.keypoints import (
    describe_keypoint_trc,
    keypoint_names_from_labels,
    keypoint_vocabulary_name,
    read_gaitlab_pose,
    read_keypoints_csv,
    read_mediapipe_json,
    register_keypoint_formats,
    sniff_gaitlab_pose,
    sniff_keypoints_csv,
    sniff_mediapipe_json,
)
from stridescope.model.skeleton import BLAZEPOSE_33

WIDTH_PX, HEIGHT_PX, RATE_HZ = 720, 1280, 30.0
GAITLAB_SAMPLE = "runner_side.gaitlab.pose.json"
MEDIAPIPE_SAMPLE = "runner_side.mediapipe.json"
CSV_SAMPLE = "runner_side.keypoints.csv"
HALPE_22 = [
    "nose", "head", "neck", "mid_hip", "l_shoulder", "r_shoulder", "l_elbow",
    "r_elbow", "l_wrist", "r_wrist", "l_hip", "r_hip", "l_knee", "r_knee", "l_ankle",
    "r_ankle", "l_heel", "r_heel", "l_big_toe", "r_big_toe", "l_small_toe",
    "r_small_toe",
]  # fmt: skip


# --- the synthetic runner the committed samples are made of -------------------------


def synthetic_runner(n_frames: int) -> dict[str, np.ndarray]:
    """Pixel (x, y) tracks, shape (n_frames, 2), of a runner facing image-left."""
    t = np.arange(n_frames) / RATE_HZ
    hip = np.stack([360 + 0 * t, 700 + 8 * np.sin(2 * np.pi * 2.8 * t)], axis=1)
    tracks = {"mid_hip": hip}
    for side, phase, dx in (("left", 0.0, -5.0), ("right", np.pi, 5.0)):
        swing = 2 * np.pi * 1.4 * t + phase
        thigh = np.deg2rad(30) * np.sin(swing)
        shank = thigh - np.deg2rad(40) * (1 + np.sin(swing + 1.2))
        h = hip + np.array([dx, 0.0])
        knee = h + 190 * np.stack([-np.sin(thigh), np.cos(thigh)], axis=1)
        ankle = knee + 180 * np.stack([-np.sin(shank), np.cos(shank)], axis=1)
        arm = np.deg2rad(35) * np.sin(swing + np.pi)
        shoulder = hip + np.array([dx, -240.0])
        elbow = shoulder + 130 * np.stack([-np.sin(arm), np.cos(arm)], axis=1)
        tracks |= {
            f"{side}_hip": h,
            f"{side}_knee": knee,
            f"{side}_ankle": ankle,
            f"{side}_heel": ankle + np.array([10.0, 16.0]),
            f"{side}_foot_index": ankle + np.array([-45.0, 18.0]),
            f"{side}_small_toe": ankle + np.array([-38.0, 20.0]),
            f"{side}_shoulder": shoulder,
            f"{side}_elbow": elbow,
            f"{side}_wrist": elbow + np.array([-60.0, -40.0]),
        }
    nose = hip + np.array([-45.0, -320.0])
    face = {
        "eye_inner": (4, -8),
        "eye": (8, -9),
        "eye_outer": (13, -9),
        "ear": (40, -4),
    }
    for part, (dx, dy) in face.items():
        tracks[f"left_{part}"] = nose + np.array([dx, dy])
        tracks[f"right_{part}"] = nose + np.array([dx + 4, dy - 1])
    hands = {"pinky": (-8, 12), "index": (-14, 10), "thumb": (-10, 2)}
    for part, (dx, dy) in hands.items():
        for side in ("left", "right"):
            tracks[f"{side}_{part}"] = tracks[f"{side}_wrist"] + [dx, dy]
    tracks |= {
        "nose": nose,
        "mouth_left": nose + np.array([6, 14]),
        "mouth_right": nose + np.array([10, 13]),
        "head_top": nose + np.array([25, -45]),
        "neck": (tracks["left_shoulder"] + tracks["right_shoulder"]) / 2,
    }
    return tracks


def visibility(n_frames: int, n_points: int) -> np.ndarray:
    return np.round(
        np.random.default_rng(7).uniform(0.55, 1.0, (n_frames, n_points)), 3
    )


def _gaitlab_text(n_frames: int) -> str:
    tracks = synthetic_runner(n_frames)
    names = [keypoint_vocabulary_name(label) for label in HALPE_22]
    score = visibility(n_frames, len(names))
    frames = [
        [
            [
                round(float(tracks[n][i, 0]), 1),
                round(float(tracks[n][i, 1]), 1),
                float(score[i, j]),
            ]
            for j, n in enumerate(names)
        ]
        for i in range(n_frames)
    ]
    header = {
        "schema": "gaitlab.pose/v1",
        "source": "synthetic-runner",
        "view": "side-left",
        "fps": RATE_HZ,
        "width": WIDTH_PX,
        "height": HEIGHT_PX,
        "keypoint_names": HALPE_22,
        "timestamps": [round(i / RATE_HZ, 4) for i in range(n_frames)],
    }
    body = ",\n".join(json.dumps(f) for f in frames)
    return json.dumps(header)[:-1] + ', "frames": [\n' + body + "\n]}\n"


def _mediapipe_text(n_frames: int) -> str:
    tracks = synthetic_runner(n_frames)
    vis = visibility(n_frames, 33)
    frames = []
    for i in range(n_frames):
        marks = [
            {
                "x": round(float(tracks[n][i, 0]) / WIDTH_PX, 4),
                "y": round(float(tracks[n][i, 1]) / HEIGHT_PX, 4),
                "z": round(-0.1 + 0.005 * j, 3),
                "visibility": float(vis[i, j]),
            }
            for j, n in enumerate(BLAZEPOSE_33)
        ]
        frames.append({"time_s": round(i / RATE_HZ, 4), "landmarks": marks})
    header = {"fps": RATE_HZ, "image_width": WIDTH_PX, "image_height": HEIGHT_PX}
    body = ",\n".join(json.dumps(f, separators=(",", ":")) for f in frames)
    return json.dumps(header)[:-1] + ', "frames": [\n' + body + "\n]}\n"


def _csv_text(n_frames: int) -> str:
    tracks = synthetic_runner(n_frames)
    vis = visibility(n_frames, 33)
    columns = ["frame", "time_s"] + [
        f"{n}_{c}" for n in BLAZEPOSE_33 for c in ("x", "y", "visibility")
    ]
    rows = [
        [str(i), f"{i / RATE_HZ:.4f}"]
        + [
            f"{v:.1f}" if c < 2 else f"{vis[i, j]:.3f}"
            for j, n in enumerate(BLAZEPOSE_33)
            for c, v in enumerate([*tracks[n][i], 0.0])
        ]
        for i in range(n_frames)
    ]
    lines = ["# sampling_rate_hz=30", "# space_unit=px", ",".join(columns)]
    return "\n".join(lines + [",".join(r) for r in rows]) + "\n"


SAMPLES = {
    GAITLAB_SAMPLE: lambda: _gaitlab_text(30),
    MEDIAPIPE_SAMPLE: lambda: _mediapipe_text(20),
    CSV_SAMPLE: lambda: _csv_text(30),
}


READERS = {
    GAITLAB_SAMPLE: read_gaitlab_pose,
    MEDIAPIPE_SAMPLE: read_mediapipe_json,
    CSV_SAMPLE: read_keypoints_csv,
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_committed_samples_are_reproducible_and_small(
    test_data: Path, tmp_path: Path, name: str
) -> None:
    """Set STRIDESCOPE_REGENERATE_SAMPLES=1 to rewrite the samples in tests/data."""
    text = SAMPLES[name]()
    if os.environ.get("STRIDESCOPE_REGENERATE_SAMPLES") == "1":
        (test_data / name).write_text(text, encoding="utf-8")
    (tmp_path / name).write_text(text, encoding="utf-8")
    committed = READERS[name](test_data / name)
    regenerated = READERS[name](tmp_path / name)
    assert committed.keypoint.values.tolist() == regenerated.keypoint.values.tolist()
    np.testing.assert_allclose(committed.position, regenerated.position, atol=0.2)
    np.testing.assert_allclose(committed.confidence, regenerated.confidence, atol=1e-3)
    assert (test_data / name).stat().st_size <= 50_000


# --- label mapping -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("RHip", "right_hip"),
        ("LKnee", "left_knee"),
        ("RBigToe", "right_foot_index"),
        ("l_big_toe", "left_foot_index"),
        ("LEFT_FOOT_INDEX", "left_foot_index"),
        ("RSmallToe", "right_small_toe"),
        ("RHeel", "right_heel"),
        ("RAnkle", "right_ankle"),
        ("Left Shoulder", "left_shoulder"),
        ("Nose", "nose"),
        ("Neck", "neck"),
        ("Hip", "mid_hip"),
        ("MidHip", "mid_hip"),
        ("midHip", "mid_hip"),
        ("Head", "head_top"),
        ("REar", "right_ear"),
        ("left_eye_inner", "left_eye_inner"),
        ("MOUTH_LEFT", "mouth_left"),
        ("r.ASIS_study", "right_asis"),
        ("L.PSIS_study", "left_psis"),
        ("r_mknee_study", "right_knee_medial"),
        ("L_calc_study", "left_heel"),
        ("r_5meta_study", "right_fifth_metatarsal"),
        ("RHJC_study", "right_hip"),
        ("C7_study", "c7"),
        ("r_thigh1_study", "r_thigh1_study"),
        ("LASI", "left_asis"),
        ("RKNE", "right_knee_lateral"),
        ("LTOE", "left_toe"),
        ("Tail", "Tail"),
    ],
)
def test_labels_map_onto_the_vocabulary(label: str, name: str) -> None:
    assert keypoint_vocabulary_name(label) == name


def test_blazepose_names_map_to_themselves() -> None:
    assert [keypoint_vocabulary_name(n) for n in BLAZEPOSE_33] == list(BLAZEPOSE_33)


def test_clashing_labels_keep_the_second_verbatim() -> None:
    names, clashes = keypoint_names_from_labels(["RBigToe", "LBigToe", "r_big_toe"])
    assert names == ["right_foot_index", "left_foot_index", "r_big_toe"]
    assert clashes == ["r_big_toe"]


@pytest.mark.parametrize(
    ("units", "file_name", "in_pixels"),
    [
        ("m", "run_Sports2D_px_person00.trc", True),
        ("m", "run_px.trc", True),
        ("px", "run.trc", True),
        ("m", "run_Sports2D_m_person00.trc", False),
        ("mm", "pose2sim_filt.trc", False),
    ],
)
def test_keypoint_trc_layout(units: str, file_name: str, in_pixels: bool) -> None:
    labels = ["Hip", "RHip", "RKnee", "RAnkle", "RBigToe", "LHip", "Nose"]
    layout = describe_keypoint_trc(labels, units=units, file_name=file_name)
    assert layout.is_keypoint_file
    assert layout.in_pixels is in_pixels
    assert layout.keypoint_names[:3] == ("mid_hip", "right_hip", "right_knee")


def test_marker_trc_is_not_a_keypoint_file() -> None:
    labels = ["LASI", "RASI", "LPSI", "RPSI", "LKNE", "LANK", "LHEE", "LTOE"]
    layout = describe_keypoint_trc(labels, units="mm", file_name="walk.trc")
    assert not layout.is_keypoint_file
    assert not layout.in_pixels


def test_public_surface() -> None:
    assert set(kp.__all__) == {
        "KeypointTrcLayout",
        "describe_keypoint_trc",
        "keypoint_names_from_labels",
        "keypoint_vocabulary_name",
        "read_gaitlab_pose",
        "read_keypoints_csv",
        "read_mediapipe_json",
        "register_keypoint_formats",
        "sniff_gaitlab_pose",
        "sniff_keypoints_csv",
        "sniff_mediapipe_json",
    }
    assert all(hasattr(kp, name) for name in kp.__all__)


# --- gaitlab.pose/v1 -----------------------------------------------------------------


def test_read_gaitlab_sample(test_data: Path) -> None:
    ds = read_gaitlab_pose(test_data / GAITLAB_SAMPLE)
    assert ds.sizes == {"time": 30, "space": 2, "keypoint": 22, "event": 0}
    assert ds.attrs["sampling_rate_hz"] == RATE_HZ
    assert ds.attrs["space_unit"] == "px"
    assert ds.attrs["coordinate_frame"] == "image_y_down"
    assert ds.attrs["source_view"] == "side-left"
    assert ds.attrs["image_width_px"] == WIDTH_PX
    assert ds.keypoint_source_name.values.tolist() == HALPE_22
    assert "left_foot_index" in ds.keypoint.values
    assert "head_top" in ds.keypoint.values
    expected = synthetic_runner(30)["left_knee"]
    np.testing.assert_allclose(
        ds.position.sel(keypoint="left_knee").values, expected, atol=0.05
    )
    assert json.loads(ds.attrs["log"])[0]["operation"] == "read_keypoints"


def write_gaitlab(tmp_path: Path, **changes: object) -> Path:
    doc = json.loads(_gaitlab_text(4))
    doc.update(changes)
    path = tmp_path / "pose.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_gaitlab_scores_above_one_are_clipped_with_a_warning(tmp_path: Path) -> None:
    doc = json.loads(_gaitlab_text(4))
    doc["frames"][1][0][2] = 1.2
    path = write_gaitlab(tmp_path, frames=doc["frames"])
    with pytest.warns(StridescopeWarning, match=r"pose.json: 1 confidence scores"):
        ds = read_gaitlab_pose(path)
    assert float(ds.confidence.max()) == 1.0
    assert json.loads(ds.attrs["log"])[0]["confidence_clipped"] == 1


def test_gaitlab_missing_points_and_frames_become_nan(tmp_path: Path) -> None:
    doc = json.loads(_gaitlab_text(4))
    doc["frames"][1][3] = None
    doc["frames"][2] = None
    ds = read_gaitlab_pose(write_gaitlab(tmp_path, frames=doc["frames"]))
    assert np.isnan(ds.position.values[1, :, 3]).all()
    assert np.isnan(ds.position.values[2]).all()
    assert np.isfinite(ds.position.values[3]).all()


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"fps": None}, "positive 'fps'"),
        ({"schema": "gaitlab.pose/v2"}, "expected schema"),
        ({"timestamps": [0.0]}, "one 'timestamps' entry"),
        ({"keypoint_names": "nose"}, "list of strings"),
        (
            {"frames": [[[1, 2, 0.5]] * 22, [[1, 2]] * 22], "timestamps": None},
            "frame 1 to hold 22 points",
        ),
        ({"timestamps": [0.0, 0.1, 0.1, 0.2]}, "strictly increasing"),
    ],
)
def test_malformed_gaitlab_files_are_refused(
    tmp_path: Path, changes: dict[str, object], match: str
) -> None:
    path = write_gaitlab(tmp_path, **changes)
    with pytest.raises(InputError, match=f"^pose.json: .*{match}"):
        read_gaitlab_pose(path)


def test_truncated_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text(_gaitlab_text(3)[:300], encoding="utf-8")
    with pytest.raises(InputError, match=r"^cut.json: expected JSON, but line 1"):
        read_gaitlab_pose(path)


# --- MediaPipe JSON ------------------------------------------------------------------


def test_read_mediapipe_sample_in_pixels(test_data: Path) -> None:
    ds = read_mediapipe_json(test_data / MEDIAPIPE_SAMPLE)
    assert ds.sizes["time"] == 20
    assert ds.keypoint.values.tolist() == list(BLAZEPOSE_33)
    expected = synthetic_runner(20)["right_ankle"]
    np.testing.assert_allclose(
        ds.position.sel(keypoint="right_ankle").values, expected, atol=0.07
    )
    assert "image_z" in ds
    assert "presence" not in ds
    assert "world_position" not in ds


def mediapipe_doc(n_frames: int = 3) -> dict[str, object]:
    doc: dict[str, object] = json.loads(_mediapipe_text(n_frames))
    return doc


def test_mediapipe_world_landmarks_presence_and_list_form(tmp_path: Path) -> None:
    doc = mediapipe_doc()
    frames = doc["frames"]
    assert isinstance(frames, list)
    for i, frame in enumerate(frames):
        frame["landmarks"] = [
            [m["x"], m["y"], m["z"], m["visibility"], 0.8] for m in frame["landmarks"]
        ]
        frame["world_landmarks"] = [
            {"x": 0.01 * j, "y": -0.5 + i, "z": 0.1, "visibility": 0.9}
            for j in range(33)
        ]
    frames[1]["landmarks"] = []
    frames[1]["world_landmarks"] = None
    path = tmp_path / "mp.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    ds = read_mediapipe_json(path)
    assert ds.world_position.dims == ("time", "world_space", "keypoint")
    assert ds.world_position.sel(world_space="x").values[0, 5] == pytest.approx(0.05)
    assert np.isnan(ds.position.values[1]).all()
    assert np.isnan(ds.world_position.values[1]).all()
    assert float(ds.presence.values[0, 0]) == 0.8


def test_mediapipe_bare_list_needs_rate_and_image_size(tmp_path: Path) -> None:
    frames = mediapipe_doc()["frames"]
    assert isinstance(frames, list)
    path = tmp_path / "bare.json"
    path.write_text(json.dumps([f["landmarks"] for f in frames]), encoding="utf-8")
    with pytest.raises(InputError, match=r"^bare.json: .*frame rate.*image size"):
        read_mediapipe_json(path)
    ds = read_mediapipe_json(path, sampling_rate_hz=30.0, image_size_px=(720, 1280))
    assert ds.sizes["time"] == 3
    assert ds.attrs["sampling_rate_hz"] == 30.0


def test_mediapipe_frames_with_the_wrong_landmark_count_are_refused(
    tmp_path: Path,
) -> None:
    doc = mediapipe_doc()
    frames = doc["frames"]
    assert isinstance(frames, list)
    frames[2]["landmarks"] = frames[2]["landmarks"][:17]
    path = tmp_path / "short.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError, match=r"^short.json: expected frame 2 to hold 33"):
        read_mediapipe_json(path)


# --- CSV -----------------------------------------------------------------------------


def test_read_csv_sample(test_data: Path) -> None:
    ds = read_keypoints_csv(test_data / CSV_SAMPLE)
    assert ds.sizes["time"] == 30
    assert ds.keypoint.values.tolist() == list(BLAZEPOSE_33)
    assert ds.attrs["sampling_rate_hz"] == RATE_HZ
    assert float(ds.confidence.min()) >= 0.55
    np.testing.assert_allclose(
        ds.position.sel(keypoint="nose").values,
        synthetic_runner(30)["nose"],
        atol=0.05,
    )


def write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kp.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_rate_from_a_regular_time_column_is_warned(tmp_path: Path) -> None:
    text = "time,a_x,a_y,b_x,b_y\n0,1,2,3,4\n0.01,1,2,3,4\n0.02,1,2,3,4\n0.03,1,2,3,4\n"
    with pytest.warns(StridescopeWarning, match="derived 100 Hz"):
        ds = read_keypoints_csv(write_csv(tmp_path, text))
    assert ds.attrs["sampling_rate_hz"] == pytest.approx(100.0)
    assert np.isnan(ds.confidence.values).all()


def test_csv_without_a_rate_is_refused(tmp_path: Path) -> None:
    text = "frame,a_x,a_y,b_x,b_y\n0,1,2,3,4\n1,1,2,3,4\n"
    with pytest.raises(InputError, match=r"^kp.csv: the sampling rate is unknown"):
        read_keypoints_csv(write_csv(tmp_path, text))
    assert (
        read_keypoints_csv(write_csv(tmp_path, text), sampling_rate_hz=50).sizes["time"]
        == 2
    )


def test_csv_normalised_coordinates_need_the_image_size(tmp_path: Path) -> None:
    body = "frame,a_x,a_y,b_x,b_y\n0,0.5,0.5,0,1\n1,0.5,0.5,1,0\n"
    text = "# fps=10; space_unit=normalized\n" + body
    with pytest.raises(InputError, match="image size"):
        read_keypoints_csv(write_csv(tmp_path, text))
    sized = "# fps=10; space_unit=normalized\n# image_width=200, image_height=100\n"
    ds = read_keypoints_csv(write_csv(tmp_path, sized + body))
    assert ds.position.sel(keypoint="b").values.tolist() == [[0, 100], [200, 0]]


def test_csv_in_metres_with_z_is_3d(tmp_path: Path) -> None:
    body = "time,a_x,a_y,a_z,b_x,b_y,b_z\n0,1,2,3,4,5,6\n0.5,1,2,3,4,5,6\n"
    with pytest.raises(InputError, match="coordinate_frame"):
        read_keypoints_csv(write_csv(tmp_path, "# fps=2\n# space_unit=m\n" + body))
    head = "# fps=2\n# space_unit=m\n# coordinate_frame=lab_z_up\n"
    ds = read_keypoints_csv(write_csv(tmp_path, head + body))
    assert ds.space.values.tolist() == ["x", "y", "z"]
    assert ds.attrs["space_unit"] == "m"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("# fps=30\nframe,a_x,a_y,b_x\n0,1,2,3\n1,1,2,3\n", r"\['b'\] lack them"),
        ("# fps=30\nframe,a_x,a_y\n0,1,2\n1,oops,2\n", "line 4 column 'a_x'"),
        ("# fps=-3\nframe,a_x,a_y\n0,1,2\n1,1,2\n", "positive fps"),
        ("# fps=30\n# space_unit=inch\nframe,a_x,a_y\n0,1,2\n1,1,2\n", "space_unit"),
    ],
)
def test_malformed_csv_files_are_refused(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(InputError, match=f"^kp.csv: .*{match}"):
        read_keypoints_csv(write_csv(tmp_path, text))


def test_csv_extra_columns_are_warned_about(tmp_path: Path) -> None:
    text = "# fps=30\nframe,person,a_x,a_y\n0,1,1,2\n1,1,1,2\n"
    with pytest.warns(StridescopeWarning, match=r"\['person'\] are not keypoint"):
        read_keypoints_csv(write_csv(tmp_path, text))


# --- registry ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        (GAITLAB_SAMPLE, "gaitlab_pose"),
        (MEDIAPIPE_SAMPLE, "mediapipe_json"),
        (CSV_SAMPLE, "keypoints_csv"),
    ],
)
def test_registered_formats_are_detected_and_loaded(
    test_data: Path, name: str, fmt: str
) -> None:
    register_keypoint_formats()
    assert {"gaitlab_pose", "mediapipe_json", "keypoints_csv"} <= set(
        _registry.formats()
    )
    assert detect_format(test_data / name) == fmt
    assert load(test_data / name).attrs["source_format"] == fmt


def test_sniffers_reject_other_content() -> None:
    assert not sniff_gaitlab_pose(b'{"schema": "other"}')
    assert not sniff_mediapipe_json(b'{"schema": "gaitlab.pose/v1", "landmarks": 1}')
    assert not sniff_mediapipe_json(b"time,a_x,a_y")
    assert not sniff_keypoints_csv(b"time,ax,ay\n")
    assert sniff_keypoints_csv(b"# fps=30\ntime,a_x,a_y,b_x,b_y\n")


@pytest.mark.shared_data
def test_real_gaitlab_file(shared_data: Path) -> None:
    path = shared_data / "treadmill-run-side-male" / "male_side.pose.json"
    assert sniff_gaitlab_pose(path.read_bytes()[:4096])
    with pytest.warns(StridescopeWarning, match="323 confidence scores"):
        ds = read_gaitlab_pose(path)
    assert ds.sizes["time"] == 360
    assert ds.sizes["keypoint"] == 22
    assert ds.attrs["sampling_rate_hz"] == 30.0
    assert ds.attrs["pose_model"] == "rtmpose-halpe26"
    assert float(ds.time[-1]) == pytest.approx(11.9667, abs=1e-3)
    assert {"left_foot_index", "right_small_toe", "mid_hip", "neck"} <= set(
        ds.keypoint.values.tolist()
    )
