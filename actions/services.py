"""The domain objects the actions share, created once per action-server process."""
from __future__ import annotations

import logging
import os
from functools import lru_cache

from hotline.privacy import install_log_masking
from hotline.settings import load_settings
from knowledge_base.index_manager import ReloadingSearcher
from routing.directory import CityDirectory
from routing.router import Router
from tickets.store import TicketStore

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def directory() -> CityDirectory:
    return CityDirectory.load(load_settings().city_dir)


@lru_cache(maxsize=1)
def router() -> Router:
    return Router.from_city_dir(load_settings().city_dir)


@lru_cache(maxsize=1)
def ticket_store() -> TicketStore:
    settings = load_settings()
    return TicketStore(settings.database_url, prefix=directory().ticket_prefix)


@lru_cache(maxsize=1)
def searcher() -> ReloadingSearcher:
    """The knowledge searcher; a newly built index is picked up within HOTLINE_INDEX_RELOAD_SECONDS (5)."""
    settings = load_settings()
    interval = float(os.environ.get("HOTLINE_INDEX_RELOAD_SECONDS", "5"))
    return ReloadingSearcher(settings.index_dir, settings.model_dir, interval=interval)


def warm_up() -> None:
    """Load the model and index at start-up so the first caller is not kept waiting."""
    install_log_masking()
    searcher().search("社保卡怎么办理", top_k=1)
    router().route("小区路灯坏了好几天没人修", None)
    ticket_store()
    logger.info("action services ready")
