"""`hotline routing …`: train the routing classifier, import past work orders, evaluate routing.

The lead registers these as ``hotline routing train|route``, ``hotline tickets import-history`` and
``hotline eval routing`` (see :data:`app` and the functions below).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from hotline.commands.common import console, fail
from settings import Settings, load_settings

app = typer.Typer(help="Routing of work orders to departments", no_args_is_help=True)


def _embedder(settings: Settings):  # noqa: ANN202 - EmbeddingCache, imported lazily (torch is slow to import)
    from routing import paths
    from routing.embedding import LazyEmbedder, routing_engine
    from routing.training import EmbeddingCache

    embedder = LazyEmbedder(settings.model_dir, settings.routing_encoder, settings.onnx_max_tokens)
    if not embedder.available():
        fail(f"No embedding model in {embedder.model_dir}; run `make setup` (or `hotline model build`).")
    # One cache per engine: engines agree closely but not exactly, and a model is trained on one.
    engine = routing_engine(embedder.model_dir, settings.routing_encoder)
    return EmbeddingCache(embedder, paths.embedding_cache_path(settings.routing_dir, engine))


def _train(settings: Settings, as_json: bool) -> None:
    from routing import paths
    from routing.training import build_model

    cache = _embedder(settings)
    model_path = paths.model_path(settings.routing_dir)
    _, summary = build_model(settings.city_dir, model_path, paths.history_path(settings.routing_dir), cache)
    cache.save()
    summary["model"] = str(model_path)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    else:
        console.print(
            f"Routing model: {summary['examples']} examples + {summary['history']} past work orders, "
            f"{summary['departments']} departments → {summary['model']}"
        )


@app.command("train")
def train(as_json: bool = typer.Option(False, "--json")) -> None:
    """Train the routing classifier on routing_examples.yaml + imported history (var/routing/)."""
    _train(load_settings(), as_json)


@app.command("route")
def route(
    text: str,
    district: str | None = typer.Option(None),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Route one request and show the decision."""
    from hotline.composition import build_router

    router = build_router(load_settings())
    decision = router.route(text, district)
    doc = {k: v for k, v in decision.__dict__.items() if k != "emergency"}
    doc["emergency"] = decision.emergency.__dict__ if decision.emergency else None
    doc["assignees"] = decision.assignees
    typer.echo(json.dumps(doc, ensure_ascii=False, indent=None if as_json else 2))


def import_history(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV, XLSX or JSONL of past work orders"),
    text_field: str = typer.Option(..., help="Field with the citizen's request"),
    department_field: str = typer.Option(..., help="Field with the department that handled it"),
    aliases: Path | None = typer.Option(None, exists=True, help="Alias table (cities/<city>/aliases/*.yaml)"),
    file_format: str | None = typer.Option(None, "--format", help="csv | xlsx | jsonl (default: from the suffix)"),
    retrain: bool = typer.Option(True, "--retrain/--no-retrain"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Import past work orders (mapped onto the directory) and retrain the routing classifier."""
    from routing import paths
    from routing.aliases import AliasTable
    from routing.directory import CityDirectory
    from routing.history import append_history, map_records, read_rows

    settings = load_settings()
    try:
        table = AliasTable.load(CityDirectory.load(settings.city_dir), aliases)
        records, report = map_records(read_rows(file, file_format), text_field, department_field, table, file.stem)
    except (KeyError, ValueError) as error:
        fail(str(error))
    history_path = paths.history_path(settings.routing_dir)
    append_history(history_path, records, report)
    doc = {**report.as_dict(), "history_file": str(history_path)}
    if as_json:
        typer.echo(json.dumps(doc, ensure_ascii=False))
    else:
        console.print(
            f"Read {report.read}, imported {report.imported}, duplicates {report.duplicates}, "
            f"empty {report.empty}, unmapped {sum(report.unmapped.values())} "
            f"({', '.join(f'{k}×{v}' for k, v in report.unmapped.most_common(8))})"
        )
    if retrain and report.imported:
        _train(settings, as_json)


def eval_routing(
    dataset: Path = typer.Option(..., exists=True, dir_okay=False, help="JSONL file"),
    text_field: str = typer.Option("question"),
    label_field: str = typer.Option("department"),
    aliases: Path | None = typer.Option(None, exists=True, help="Alias table for the labels"),
    train_split: float = typer.Option(0.5, min=0.05, max=0.95, help="Share of rows used for training"),
    examples: bool = typer.Option(True, "--examples/--no-examples", help="Also train on routing_examples.yaml"),
    out: Path | None = typer.Option(None, help="Folder for the JSON report and the confusion-matrix PNG"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Top-1 / top-3 accuracy, macro-F1, per-department table and confusion matrix on the held-back part."""
    from evaluation.routing_eval import run_routing_eval

    settings = load_settings()
    cache = _embedder(settings)
    result = run_routing_eval(
        dataset, text_field, label_field, settings.city_dir, cache, aliases, train_split, examples, out
    )
    cache.save()
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    console.print(
        f"{dataset}: {result.rows} rows, train {result.train_size}, test {result.test_size}, skipped {result.skipped}"
    )
    for variant, figures in result.metrics.items():
        console.print(f"  {variant:16s} " + "  ".join(f"{k}={v}" for k, v in figures.items()))
    table = Table("department", "precision", "recall", "F1", "support")
    for row in result.per_department:
        table.add_row(
            row["department"],
            f"{row['precision']:.3f}",
            f"{row['recall']:.3f}",
            f"{row['f1']:.3f}",
            str(row["support"]),
        )
    console.print(table)
    console.print(
        "review threshold → share to review / accuracy of the rest: "
        + "; ".join(
            f"{row['threshold']:.1f}→{row['review_share']:.2f}/{row['auto_accuracy']:.3f}"
            for row in result.review_curve
        )
    )
    console.print(
        "main confusions: " + "; ".join(f"{c['truth']}→{c['predicted']}×{c['count']}" for c in result.confusions)
    )
    for name, path in result.files.items():
        console.print(f"  {name}: {path}")


app.command("import-history")(import_history)
app.command("eval")(eval_routing)
