"""The overdue sweep on a timer inside the web app (started by the app's lifespan).

``HOTLINE_SWEEP_INTERVAL_SECONDS``: seconds between sweeps (default 300; 0 turns it off).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from tickets.store import TicketStore
from tickets.sweep import sweep_overdue

log = logging.getLogger(__name__)


async def run_forever(interval: float, store: Callable[[], TicketStore]) -> None:
    """Sweep, sleep, repeat; a failed sweep is logged and retried at the next tick."""
    while True:
        try:
            result = await asyncio.to_thread(lambda: sweep_overdue(store()))
            if result.supervised:
                log.info("督办 %d work orders (%d overdue)", len(result.supervised), len(result.overdue))
        except asyncio.CancelledError:
            raise
        except Exception:  # keep the timer alive; the next tick tries again
            log.exception("overdue sweep failed")
        await asyncio.sleep(interval)
