"""The retention job on a timer inside the web app (started by the app's lifespan).

Personal data is kept ``HOTLINE_RETENTION_DAYS`` (365) after a matter is finished, then removed
(tickets/retention.apply_retention), without anyone having to remember a cron entry.
``HOTLINE_RETENTION_INTERVAL_SECONDS``: seconds between runs (default one day; 0 turns it off).
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import timedelta

from hotline.settings import load_settings
from tickets.retention import apply_retention
from webapp import deps

log = logging.getLogger(__name__)
DEFAULT_INTERVAL_SECONDS = 24 * 3600.0


def interval_seconds() -> float:
    return float(os.environ.get("HOTLINE_RETENTION_INTERVAL_SECONDS", DEFAULT_INTERVAL_SECONDS))


def run_once() -> None:
    settings = load_settings()
    store = deps.ticket_store()
    report = apply_retention(store, timedelta(days=settings.retention_days), store.now(), settings.tracker_db_url)
    tracker = report.tracker.conversations if report.tracker else 0
    log.info(
        "retention: %d work orders redacted, %d hand-offs and %d conversations deleted",
        len(report.work_orders.redacted),
        report.handoffs,
        tracker,
    )


async def run_forever(interval: float) -> None:
    """Run, sleep, repeat; a failed run is logged and retried at the next tick."""
    while True:
        try:
            await asyncio.to_thread(run_once)
        except asyncio.CancelledError:
            raise
        except Exception:  # keep the timer alive
            log.exception("retention run failed")
        await asyncio.sleep(interval)
