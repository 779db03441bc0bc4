"""Which model reads requests: the shipped one, or the active trained version in the database.

The shipped model is trained from the corpus in desk/classify/data on first use (seconds) and
cached in MODEL_DIR, keyed by the corpus's digest, so a fresh clone classifies with no manual
step and needs no database (`flask desk classify`). Versions trained with the coordinators'
corrections live in the database, so every worker host reads the same active one; a new
version is promoted only when it scores at least as well on the evaluation file.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from desk.classify import corpus
from desk.classify.model import Example, ThemeModel, examples_digest, train
from desk.classify.models import ModelVersion
from desk.extensions import db
from desk.jobs import Beat, Job
from desk.timeutil import utcnow

# Beat retrains on the staff's corrections every RETRAIN_HOURS.
BEAT = Beat(Job.RETRAIN, "RETRAIN_HOURS")

log = logging.getLogger(__name__)

_lock = threading.Lock()
_shipped: dict[str, ThemeModel] = {}
_active: dict[str, object] = {"checked": 0.0, "version": None, "model": None}
RECHECK_SECONDS = 60


def model_dir() -> Path:
    return Path(current_app.config["MODEL_DIR"])


def shipped_model(directory: Path | None = None) -> ThemeModel:
    """The model of the shipped corpus: from the cache file, or trained now and cached."""
    digest = corpus.digest_of_shipped()
    with _lock:
        if digest in _shipped:
            return _shipped[digest]
        directory = directory or model_dir()
        path = directory / f"shipped-{digest}.npz"
        if path.exists():
            model = ThemeModel.from_bytes(path.read_bytes())
        else:
            log.info("training the shipped model (first use of this corpus)")
            model = train(corpus.shipped_training(), note="shipped corpus")
            directory.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp")  # workers may train at once
            partial.write_bytes(model.to_bytes())
            partial.replace(path)  # atomic: a second process never reads half a file
        _shipped.clear()
        _shipped[digest] = model
        return model


def model_ready() -> bool:
    """A model is there to read requests with, without training one: a promoted version, or
    the shipped corpus's model built (at install, by `flask desk classify`)."""
    if db.session.scalar(select(ModelVersion.version).where(ModelVersion.active).limit(1)):
        return True
    digest = corpus.digest_of_shipped()
    return digest in _shipped or (model_dir() / f"shipped-{digest}.npz").exists()


def active_model() -> ThemeModel:
    """The promoted version from the database, else the shipped model. Rechecked each minute."""
    now = time.monotonic()
    if _active["model"] is not None and now - float(_active["checked"]) < RECHECK_SECONDS:
        return _active["model"]  # type: ignore[return-value]
    version = db.session.scalar(select(ModelVersion.version).where(ModelVersion.active))
    if version is None:
        model = shipped_model()
    elif version == _active["version"]:
        model = _active["model"]  # type: ignore[assignment]
    else:
        blob = db.session.scalar(select(ModelVersion.blob).where(ModelVersion.version == version))
        model = ThemeModel.from_bytes(blob)
    _active.update(checked=now, version=version, model=model)
    return model


def forget_active() -> None:
    _active.update(checked=0.0, version=None, model=None)


def retrain(corrections: list[Example]) -> tuple[ModelVersion, bool]:
    """Train on the corpus plus corrections; keep the version; promote it if it scores at least
    as well as the active model on the evaluation file. Returns (version, promoted).

    Nothing new to learn (the same examples as a kept version): that version is returned as it
    is, and nothing is trained.
    """
    examples = corpus.shipped_training() + corrections
    same = db.session.scalar(select(ModelVersion).where(
        ModelVersion.version.endswith("-" + examples_digest(examples))))
    if same is not None:
        return same, False
    evaluation_set = corpus.load(corpus.EVALUATION_FILE)
    current = active_model()
    current_score = corpus.evaluate(current, evaluation_set)
    candidate = train(examples, note=f"shipped corpus + {len(corrections)} corrections")
    score = corpus.evaluate(candidate, evaluation_set)
    promoted = score.at_least_as_good_as(current_score)
    row = ModelVersion(version=candidate.version, blob=candidate.to_bytes(),
                       metrics={"candidate": score.as_dict(), "active": current_score.as_dict(),
                                "active_version": current.version},
                       examples=candidate.meta["examples"], corrections=len(corrections),
                       note=candidate.meta["note"])
    db.session.add(row)
    db.session.flush()
    if promoted:
        activate(row.version)
    return row, promoted


def activate(version: str) -> ModelVersion:
    """Make a kept version the active one (promotion, or rolling back)."""
    row = db.session.get(ModelVersion, version)
    if row is None:
        raise LookupError(f"no model version {version!r}")
    db.session.execute(update(ModelVersion).where(ModelVersion.active).values(active=False))
    db.session.flush()
    row.active = True
    row.promoted_at = utcnow()
    db.session.flush()
    forget_active()
    return row


def deactivate_all() -> None:
    """Back to the shipped model."""
    db.session.execute(update(ModelVersion).where(ModelVersion.active).values(active=False))
    db.session.flush()
    forget_active()
