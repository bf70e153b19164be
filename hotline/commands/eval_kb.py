"""`hotline eval retrieval` and `hotline eval ood`: knowledge-base evaluation on public datasets.

Datasets are read where they are (e.g. ../shared/datasets/); nothing is copied into the project.
Embeddings are cached under var/cache/embeddings/ between runs (--no-cache to bypass).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from hotline.commands.common import console, fail, require_file
from settings import PROJECT_ROOT, load_settings

OWN_OUT_OF_SCOPE = PROJECT_ROOT / "nlu_data" / "nlu_out_of_scope.yml"


def _encoder(cache: bool) -> Any:
    from knowledge_base.encoder import Encoder, ModelNotBuiltError

    settings = load_settings()
    try:
        encoder = Encoder(settings.model_dir, settings.encoder, settings.onnx_max_tokens)
    except ModelNotBuiltError as error:
        fail(str(error))
    if not cache:
        return encoder
    from evaluation.embedding_cache import CachedEncoder

    return CachedEncoder(encoder, settings.embedding_cache_dir)


def _write(out: Path | None, name: str, doc: dict[str, Any]) -> Path | None:
    if out is None:
        return None
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def retrieval(
    dataset: Path = typer.Option(..., "--dataset", help="JSONL file with question/answer fields"),
    question_field: str = typer.Option("question", "--question-field"),
    answer_field: str = typer.Option("answer", "--answer-field"),
    group_field: str | None = typer.Option(
        None, "--group-field", help="One entry per value of this field (e.g. docid) holding all its answers"
    ),
    distractors: int = typer.Option(0, "--distractors", min=0, help="Pad the knowledge base with N distractor entries"),
    distractor_file: Path | None = typer.Option(
        None, "--distractor-file", help="Take distractors from this JSONL's answers first (the rest: SYNTHETIC)"
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Ask at most N questions"),
    part: str = typer.Option("all", "--part", help="all | calibrate | report (fixed hash halves of the questions)"),
    fusion: str | None = typer.Option(None, "--fusion", help="linear | rrf | dense | lexical (default: search.yaml)"),
    out: Path | None = typer.Option(None, "--out", help="Directory for the JSON report and the recall@k plot"),
    cache: bool = typer.Option(True, "--cache/--no-cache", help="Reuse cached embeddings"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
) -> None:
    """Top-1, recall@5, MRR and answer/hand-off rate on a fresh knowledge base built from the dataset."""
    from evaluation.plots import recall_at_k_plot
    from evaluation.retrieval import PARTS, run_retrieval
    from knowledge_base.search import load_thresholds

    require_file(dataset, "Dataset")
    if distractor_file is not None:
        require_file(distractor_file, "Distractor file")
    if part not in PARTS:
        fail("--part must be all, calibrate or report")
    thresholds = load_thresholds()
    if fusion:
        thresholds = thresholds.replace(fusion=fusion)
    encoder = _encoder(cache)
    try:
        report = run_retrieval(
            dataset,
            encoder,
            question_field=question_field,
            answer_field=answer_field,
            group_field=group_field,
            distractors=distractors,
            distractor_file=distractor_file,
            limit=limit,
            part=part,
            thresholds=thresholds,
            progress=not as_json,
        )
    finally:
        if hasattr(encoder, "save"):
            encoder.save()
    doc = report.to_dict()
    suffixes = [
        f"by_{group_field}" if group_field else "",
        f"d{distractors}" if distractors else "",
        fusion or "",
        "" if part == "all" else part,
    ]
    name = "_".join(["retrieval", dataset.stem, *filter(None, suffixes)])
    json_path = _write(out, name, doc)
    if json_path is not None:
        label = f"{dataset.stem} ({report.fusion}, {report.distractors} distractors)"
        doc["plot"] = str(
            recall_at_k_plot({label: report.recall_at_k}, json_path.with_suffix(".png"), f"recall@k — {dataset.stem}")
        )
        json_path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    console.print(
        f"{report.dataset} [{report.part}]: {report.questions} questions, {report.entries} entries + "
        f"{report.distractors} distractors, fusion {report.fusion}\n"
        f"  top-1 {report.top1:.3f}  recall@5 {report.recall_at_5:.3f}  MRR {report.mrr:.3f}\n"
        f"  answered {report.answered:.3f} (correct {report.answered_correct:.3f}), decisions {report.decisions}\n"
        f"  query p50 {report.latency_ms_p50:.1f} ms, p95 {report.latency_ms_p95:.1f} ms;"
        f" build {report.build_seconds:.1f}s"
    )
    if json_path is not None:
        console.print(f"  written: {json_path} and {doc['plot']}")


def ood(
    dataset: Path = typer.Option(
        ...,
        "--dataset",
        help="Out-of-domain JSONL to check against, never to calibrate on (smp2017_out_of_domain.jsonl)",
    ),
    in_domain: Path = typer.Option(..., "--in-domain", help="In-domain question/answer JSONL (e.g. msga_gov_qa.jsonl)"),
    own_ood: Path = typer.Option(
        OWN_OUT_OF_SCOPE, "--own-ood", help="Our own out-of-scope examples to calibrate on (an nlu_data file)"
    ),
    text_field: str = typer.Option("text", "--text-field"),
    target: float = typer.Option(0.05, "--target", help="Highest share of our own OOD calibration examples answered"),
    precision: float = typer.Option(0.9, "--precision", help="Lowest share of answered calibration questions right"),
    limit: int | None = typer.Option(None, "--limit", min=1),
    write_config: Path | None = typer.Option(
        None, "--write-config", help="Store the calibrated thresholds in this yaml (e.g. knowledge_base/search.yaml)"
    ),
    out: Path | None = typer.Option(None, "--out", help="Directory for the JSON report"),
    cache: bool = typer.Option(True, "--cache/--no-cache", help="Reuse cached embeddings"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
) -> None:
    """Share of out-of-domain requests answered from the knowledge base, and of in-domain ones answered."""
    from evaluation.ood import own_out_of_scope, run_ood, write_thresholds

    require_file(dataset, "Dataset")
    require_file(in_domain, "In-domain dataset")
    require_file(own_ood, "Own out-of-scope examples")
    encoder = _encoder(cache)
    try:
        report, tuned = run_ood(
            dataset,
            in_domain,
            encoder,
            own_ood=own_out_of_scope(own_ood),
            text_field=text_field,
            target_ood=target,
            min_precision=precision,
            limit=limit,
        )
    except ValueError as error:
        fail(str(error))
    finally:
        if hasattr(encoder, "save"):
            encoder.save()
    doc = report.to_dict()
    if write_config is not None:
        write_thresholds(
            tuned,
            write_config,
            (
                "Knowledge search settings: fusion and the calibrated answer / clarify decision.\n"
                f"Calibrated by `hotline eval ood --dataset {dataset.name} --in-domain {in_domain.name} "
                f"--precision {precision} --target {target}`\n"
                f"on the calibration halves of {in_domain.name} and {own_ood.name}, encoder {encoder.name}; "
                f"on the other halves:\nin-domain answered {report.report_part['in_domain_answered']:.3f} "
                f"(right {report.report_part['in_domain_answered_correct']:.3f}), own OOD answered "
                f"{report.report_part['ood_wrongly_answered']:.3f}; {dataset.name} (check only) answered "
                f"{next(iter(report.check.values())):.3f}."
            ),
        )
        doc["config_written"] = str(write_config)
    _write(out, f"ood_{dataset.stem}", doc)
    if as_json:
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    r = report.report_part
    console.print(
        f"{in_domain.name} + {own_ood.name} (report halves): own OOD answered {r['ood_wrongly_answered']:.3f} "
        f"of {r['ood_questions']}; in-domain answered {r['in_domain_answered']:.3f} of {r['in_domain_questions']} "
        f"(correct {r['in_domain_answered_correct']:.3f}, clarified {r['in_domain_clarified']:.3f})\n"
        f"  check, never calibrated on: {report.check}\n  thresholds: {report.thresholds}"
    )
