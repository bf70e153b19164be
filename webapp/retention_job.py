"""The retention job on a timer inside the web app (started by the app's lifespan).

Personal data is kept ``HOTLINE_RETENTION_DAYS`` (365) after a matter is finished, then removed
(tickets/retention.apply_retention), and chat transcripts older than that are deleted, without
anyone having to remember a cron entry.
``HOTLINE_RETENTION_INTERVAL_SECONDS``: seconds between runs (default one day; 0 turns it off).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

from settings import Settings
from tickets.retention import apply_retention
from tickets.store import TicketStore
from webapp.transcripts import TranscriptStore

log = logging.getLogger(__name__)


def run_once(store: TicketStore, settings: Settings) -> None:
    period = timedelta(days=settings.retention_days)
    report = apply_retention(store, period, store.now(), settings.tracker_db_url)
    tracker = report.tracker.conversations if report.tracker else 0
    transcripts = TranscriptStore(settings.database_url)
    try:
        messages = transcripts.forget_before(store.now() - period)  # the chat widget's transcripts
    finally:
        transcripts.close()
    log.info(
        "retention: %d work orders redacted, %d hand-offs, %d conversations and %d chat messages deleted",
        len(report.work_orders.redacted),
        report.handoffs,
        tracker,
        messages,
    )


async def run_forever(interval: float, store: Callable[[], TicketStore], settings: Settings) -> None:
    """Run, sleep, repeat; a failed run is logged and retried at the next tick."""
    while True:
        try:
            await asyncio.to_thread(lambda: run_once(store(), settings))
        except asyncio.CancelledError:
            raise
        except Exception:  # keep the timer alive
            log.exception("retention run failed")
        await asyncio.sleep(interval)
