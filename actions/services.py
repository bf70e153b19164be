"""The domain objects the actions share, created once per action-server process."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from functools import lru_cache
from pathlib import Path

from hotline.privacy import install_log_masking
from hotline.settings import load_settings
from knowledge_base.index_manager import ReloadingSearcher
from routing import paths as routing_paths
from routing.directory import CityDirectory
from routing.router import Router
from tickets.intake import file_work_order
from tickets.outbox import Outbox
from tickets.store import TicketStore
from tickets.time_limits import TimeLimits

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def directory() -> CityDirectory:
    return CityDirectory.load(load_settings().city_dir)


@lru_cache(maxsize=1)
def router() -> Router:
    """Rules, plus the trained routing model under var/routing/ when there is one."""
    settings = load_settings()
    model_path = routing_paths.default_model_path(settings.var_dir)
    return Router.from_city_dir(settings.city_dir, model_path, settings.model_dir, model_optional=True)


@lru_cache(maxsize=1)
def ticket_store() -> TicketStore:
    settings = load_settings()
    return TicketStore(
        settings.database_url,
        prefix=directory().ticket_prefix,
        time_limits=TimeLimits.for_city(settings.city_dir),
    )


@lru_cache(maxsize=1)
def searcher() -> ReloadingSearcher:
    """The knowledge searcher; a newly built index is picked up within HOTLINE_INDEX_RELOAD_SECONDS (5)."""
    settings = load_settings()
    interval = float(os.environ.get("HOTLINE_INDEX_RELOAD_SECONDS", "5"))
    return ReloadingSearcher(settings.index_dir, settings.model_dir, interval=interval)


@lru_cache(maxsize=1)
def outbox() -> Outbox:
    """Work orders written before the database took them: HOTLINE_OUTBOX_DIR, else a folder of
    var/outbox/ named after the database, so an outbox is only ever delivered to its own database
    (a test's action server never files into the real one, nor the other way round)."""
    settings = load_settings()
    configured = os.environ.get("HOTLINE_OUTBOX_DIR")
    if configured:
        return Outbox(Path(configured))
    database = hashlib.sha256(settings.database_url.encode("utf-8")).hexdigest()[:16]
    return Outbox(settings.var_dir / "outbox" / database)


OUTBOX_INTERVAL_SECONDS = 10.0
_delivery_started = threading.Event()


def deliver_outbox() -> int:
    """File what the outbox holds; the number of work orders filed."""
    report = outbox().deliver(lambda new: file_work_order(ticket_store(), new))
    if report.delivered:
        logger.info("outbox delivered %d work orders", len(report.delivered))
    return len(report.delivered)


def _deliver_forever(interval: float) -> None:
    while True:
        try:
            deliver_outbox()
        except Exception:  # keep trying: the next round may find the database back
            logger.exception("outbox delivery failed")
        time.sleep(interval)


def start_outbox_delivery() -> None:
    """A daemon thread that files pending work orders every HOTLINE_OUTBOX_INTERVAL_SECONDS (10)."""
    if _delivery_started.is_set():
        return
    _delivery_started.set()
    interval = float(os.environ.get("HOTLINE_OUTBOX_INTERVAL_SECONDS", OUTBOX_INTERVAL_SECONDS))
    threading.Thread(target=_deliver_forever, args=(interval,), name="outbox", daemon=True).start()


def warm_up() -> None:
    """Load the model and index at start-up so the first caller is not kept waiting."""
    install_log_masking()
    searcher().search("社保卡怎么办理", top_k=1)
    router().route("小区路灯坏了好几天没人修", None)
    try:
        ticket_store()
    except Exception:  # serve anyway: answers and emergencies need no database
        logger.exception("work-order database unavailable at start; complaints go to the outbox")
    start_outbox_delivery()  # files what an earlier run could not
    logger.info("action services ready")
