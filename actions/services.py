"""The domain objects the actions share, created once per action-server process.

Composition root of the action server: the only place on this side that reads the settings
(:func:`settings`, once per process) and builds domain objects from them.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import lru_cache

from hotline.composition import build_router
from hotline.privacy import install_log_masking
from knowledge_base.index_manager import ReloadingSearcher
from routing.directory import CityDirectory
from routing.router import Router
from settings import Settings, load_settings
from tickets.intake import file_work_order
from tickets.outbox import Outbox
from tickets.store import TicketStore
from tickets.time_limits import TimeLimits

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def settings() -> Settings:
    """This process's settings, read once (actions/serve.py checks them at start-up)."""
    return load_settings()


@lru_cache(maxsize=1)
def directory() -> CityDirectory:
    return CityDirectory.load(settings().city_dir)


@lru_cache(maxsize=1)
def router() -> Router:
    """Rules, plus the trained routing model in the routing directory when there is one."""
    return build_router(settings(), directory())


@lru_cache(maxsize=1)
def ticket_store() -> TicketStore:
    config = settings()
    return TicketStore(
        config.database_url,
        prefix=directory().ticket_prefix,
        time_limits=TimeLimits.for_city(config.city_dir),
    )


@lru_cache(maxsize=1)
def searcher() -> ReloadingSearcher:
    """The knowledge searcher; a newly built index is picked up within HOTLINE_INDEX_RELOAD_SECONDS (5)."""
    config = settings()
    return ReloadingSearcher(
        config.index_dir,
        config.model_dir,
        interval=config.index_reload_seconds,
        engine=config.encoder,
        max_seq_length=config.onnx_max_tokens,
    )


@lru_cache(maxsize=1)
def outbox() -> Outbox:
    """Work orders written before the database took them: HOTLINE_OUTBOX_DIR, else a folder of
    var/outbox/ named after the database, so an outbox is only ever delivered to its own database
    (a test's action server never files into the real one, nor the other way round)."""
    return Outbox(settings().outbox_dir)


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
    interval = settings().outbox_interval_seconds
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
