"""`flask --app wsgi desk …` for classification: classify, train, evaluate, models, retrain."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from desk.extensions import db
from desk.requests.cli import named


def register(group: click.Group) -> None:
    for command in (classify_command, train_command, evaluate_command, retrain_command,
                    models_command, activate_command, rollback_command, correct_command):
        group.add_command(command)


@click.command("classify")
def classify_command() -> None:
    """Read JSON Lines from stdin ({"text", "kind", "postcode"}), write one result per line.

    Needs no database and no server: it reads the shipped model. A bad line gets an error line
    with its number, and the batch goes on.
    """
    from desk.classify.registry import shipped_model

    model = shipped_model()
    out = sys.stdout
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("each line must be a JSON object")
            text = row.get("text")
            if not isinstance(text, str) or not text.strip():
                raise ValueError('"text" must be a non-empty string')
            if len(text) > 20_000:
                raise ValueError('"text" is longer than 20000 characters')
            kind = row.get("kind")
            if kind is not None and not isinstance(kind, str):
                raise ValueError('"kind" must be a string')
            result = model.predict(text, kind).as_json()
        except ValueError as error:  # JSONDecodeError is one too
            result = {"line": number, "error": str(error)}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()


@click.command("train")
@click.option("--output", type=click.Path(path_type=Path), help="Where to write the model file.")
def train_command(output: Path | None) -> None:
    """Train on the shipped corpus; save a versioned model file; print how it scores."""
    from flask import current_app

    from desk.classify import corpus
    from desk.classify.model import train

    model = train(corpus.shipped_training(), note="shipped corpus")
    path = output or Path(current_app.config["MODEL_DIR"]) / f"model-{model.version}.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(model.to_bytes())
    click.echo(f"model {model.version}: {model.meta['examples']} examples -> {path}")
    click.echo(corpus.report(corpus.evaluate(model, corpus.load(corpus.EVALUATION_FILE))))


@click.command("evaluate")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--model", "model_path", type=click.Path(exists=True, path_type=Path),
              help="A model file (default: the shipped model).")
def evaluate_command(files: tuple[Path, ...], model_path: Path | None) -> None:
    """Per-theme precision, recall and F1, top-1/top-3, crisis recall and false alarms per kind
    of message, spam, confusion matrix. Without FILES: every shipped evaluation file."""
    from desk.classify import corpus
    from desk.classify.model import ThemeModel
    from desk.classify.registry import shipped_model

    model = ThemeModel.from_bytes(model_path.read_bytes()) if model_path else shipped_model()
    combined: list = []
    seen: dict = {}
    for file in files or corpus.evaluation_files():
        try:
            examples = corpus.load(file)
        except corpus.CorpusError as error:
            raise click.ClickException(str(error)) from error
        combined += examples
        click.echo(f"model {model.version} on {file}")
        click.echo(corpus.report(corpus.evaluate(model, examples, seen)) + "\n")
    if len(files) != 1:
        whole = corpus.evaluate(model, combined, seen)
        click.echo(f"all files together ({len(combined)} texts): crisis recall "
                   f"{whole.crisis_recall:.1%}, crisis false alarms "
                   f"{whole.crisis_false_alarms:.1%}, real requests held as spam "
                   f"{len(whole.held_as_spam)}")
        click.echo("\n".join(corpus.crisis_lines(whole)[:2 + len(whole.by_category)]))


@click.command("retrain")
def retrain_command() -> None:
    """Retrain now with the corrections; promote only if at least as good."""
    from desk.classify.registry import retrain
    from desk.classify.service import corrections

    row, promoted = retrain(corrections())
    db.session.commit()
    click.echo(f"model {row.version} ({row.corrections} corrections): "
               f"{'promoted' if promoted else 'kept, not promoted'}; {row.metrics}")


@click.command("models")
def models_command() -> None:
    """The kept model versions, newest first."""
    from sqlalchemy import select

    from desk.classify.models import ModelVersion

    rows = db.session.execute(select(ModelVersion.version, ModelVersion.active,
                                     ModelVersion.corrections, ModelVersion.metrics,
                                     ModelVersion.created_at)
                              .order_by(ModelVersion.created_at.desc())).all()
    if not rows:
        click.echo("no trained versions: the shipped model is in use")
    for version, active, corrected, metrics, created in rows:
        score = metrics.get("candidate", {})
        click.echo(f"{'*' if active else ' '} {version}  {created:%Y-%m-%d %H:%M}  "
                   f"corrections {corrected}  top-1 {score.get('top1', 0):.3f}  "
                   f"top-3 {score.get('top3', 0):.3f}")


@click.command("model-activate")
@click.argument("version")
def activate_command(version: str) -> None:
    """Make a kept model version the active one."""
    from desk.classify.registry import activate

    try:
        activate(version)
    except LookupError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"active model: {version}")


@click.command("model-rollback")
def rollback_command() -> None:
    """Go back to the version promoted before the active one (or the shipped model)."""
    from sqlalchemy import select

    from desk.classify.models import ModelVersion
    from desk.classify.registry import activate, deactivate_all

    promoted = db.session.scalars(select(ModelVersion).where(ModelVersion.promoted_at.is_not(None))
                                  .order_by(ModelVersion.promoted_at.desc())).all()
    current = next((m for m in promoted if m.active), None)
    earlier = [m for m in promoted if not m.active and (
        current is None or m.promoted_at < current.promoted_at)]
    if earlier:
        activate(earlier[0].version)
        message = f"active model: {earlier[0].version}"
    else:
        deactivate_all()
        message = "active model: the shipped model"
    db.session.commit()
    click.echo(message)


@click.command("correct-themes")
@click.argument("reference")
@click.argument("themes", nargs=-1, required=True)
def correct_command(reference: str, themes: tuple[str, ...]) -> None:
    """Correct a request's themes (best first); the correction feeds the next training."""
    from desk.classify.service import ClassifyError, correct_themes

    try:
        correct_themes(named(reference), list(themes), actor="cli")
    except ClassifyError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{reference}: themes corrected to {', '.join(themes)}")
