"""The files a model is scored from, their digests, and the loaded model.

A model is its LightGBM booster in native text plus three JSON side files (calibration,
tier thresholds, typical values for reasons). Loading reads each file once, checks its
SHA-256 against the digest recorded at registration, and parses the very bytes it checked:
text and JSON only, nothing unpickled. No MLflow here, so scoring stays light.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb

from models.calibration import Calibrator
from models.tiers import Thresholds

MODEL_FILE = "model.lgb"
SIDE_FILES = ("calibration.json", "thresholds.json", "typical.json")


class ModelIntegrityError(RuntimeError):
    """A model file does not match the digest recorded when it was registered."""


@dataclass(frozen=True)
class LoadedModel:
    booster: lgb.Booster
    calibrator: Calibrator
    thresholds: Thresholds
    feature_names: list[str]
    typical: dict[str, float]
    name: str
    version: str
    threads: int = 1


def write_side_files(trained, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    texts = {
        "calibration.json": trained.calibrator.to_json(),
        "thresholds.json": trained.thresholds.to_json(),
        "typical.json": json.dumps(trained.typical, indent=2, sort_keys=True),
    }
    for file, text in texts.items():
        (folder / file).write_text(text)
    return [folder / file for file in SIDE_FILES]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digests(files: dict[str, Path]) -> dict[str, str]:
    return {name: sha256(path.read_bytes()) for name, path in sorted(files.items())}


def load_bundle(
    files: dict[str, Path], expected: dict[str, str], name: str, version: str, threads: int = 1
) -> LoadedModel:
    """Load `files` (MODEL_FILE and SIDE_FILES -> path) if every digest matches `expected`."""
    if set(expected) != {MODEL_FILE, *SIDE_FILES}:
        raise ModelIntegrityError(f"{name} v{version}: no complete SHA-256 record; refusing to load")
    texts = {}
    for file, path in files.items():
        data = path.read_bytes()
        if sha256(data) != expected[file]:
            raise ModelIntegrityError(
                f"{name} v{version}: {path} does not match the SHA-256 recorded at "
                f"registration; refusing to load a tampered or corrupted model"
            )
        texts[file] = data.decode("utf-8")
    booster = lgb.Booster(model_str=texts[MODEL_FILE])
    return LoadedModel(
        booster=booster,
        calibrator=Calibrator.from_json(texts["calibration.json"]),
        thresholds=Thresholds.from_json(texts["thresholds.json"]),
        feature_names=booster.feature_name(),
        typical=json.loads(texts["typical.json"]),
        name=name,
        version=version,
        threads=threads,
    )
