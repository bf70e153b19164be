"""One logging configuration for every process: the web app (uvicorn), the action server
(rasa-sdk on Sanic) and the Rasa server (Sanic).

Each process gets the same ``logging.config.dictConfig`` (:func:`logging_dict`): one handler,
on the root logger, writing to stdout (the Supervisor redirects it to ``var/logs/<process>.log``)
through :class:`hotline.privacy.PiiMaskingFilter`; uvicorn's, Sanic's, Rasa's and rasa-sdk's loggers
lose their own handlers and propagate to it. How each process reads it:

* web app: ``uvicorn --log-config <file>.json`` (:func:`write_logging_config`);
* Rasa: ``rasa run --logging-config-file <file>.json`` (JSON is YAML), with the project root on
  ``PYTHONPATH`` so that this module can be imported before Rasa adds the working directory;
* action server: :func:`configure_logging` in ``actions/serve.py``.

Rasa and Sanic add handlers of their own after the configuration is applied (Rasa's coloredlogs
handler on the root logger, Sanic's console handlers when an app is created with
``configure_logging=True``), so the filter factory :func:`masking_filter` also makes every handler
added to any logger later get the masking filter (:func:`guard_new_handlers`), and routes Python
warnings and uncaught exceptions (main thread and other threads) through logging.

Imports only the standard library and :mod:`hotline.privacy`: both virtual environments load it.
The level (``HOTLINE_LOG_LEVEL``) comes from the caller's settings.
"""

from __future__ import annotations

import json
import logging
import logging.config
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from hotline.privacy import PiiMaskingFilter

# Loggers that come with handlers of their own (or get them from their framework's defaults);
# the configuration empties them so that everything goes through the root logger's handler.
FRAMEWORK_LOGGERS = (
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "uvicorn.asgi",
    "sanic",
    "sanic.root",
    "sanic.error",
    "sanic.access",
    "sanic.server",
    "sanic.websockets",
    "rasa",
    "rasa_sdk",
    "py.warnings",
    "apscheduler",
    "sqlalchemy",
)
LOG_FORMAT = "%(asctime)s %(levelname)-7s {process} %(name)s: %(message)s"

_original_add_handler = logging.Logger.addHandler


def logging_dict(process: str, level: str = "INFO") -> dict[str, Any]:
    """The ``dictConfig`` of one process (``process`` names it in every line)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"mask_pii": {"()": f"{__name__}.masking_filter"}},
        "formatters": {"plain": {"format": LOG_FORMAT.format(process=process)}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "plain",
                "filters": ["mask_pii"],
            },
        },
        "loggers": {name: {"handlers": [], "propagate": True} for name in FRAMEWORK_LOGGERS},
        "root": {"handlers": ["stdout"], "level": level},
    }


def configure_logging(process: str, level: str = "INFO") -> None:
    """Apply :func:`logging_dict` in this process."""
    logging.config.dictConfig(logging_dict(process, level))


def write_logging_config(process: str, directory: Path, level: str = "INFO") -> Path:
    """Write :func:`logging_dict` as ``<directory>/<process>.json`` (for uvicorn's ``--log-config``
    and Rasa's ``--logging-config-file``) and return its path."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = directory / f"{process}.json"
    handle, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        json.dump(logging_dict(process, level), file, indent=2)
    os.replace(temporary, target)
    return target


def masking_filter() -> PiiMaskingFilter:
    """The filter factory named in :func:`logging_dict`; also guards handlers added later."""
    guard_new_handlers()
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread
    return _shared_filter


def _log_uncaught(kind: type[BaseException], error: BaseException, traceback: object) -> None:
    """Uncaught exceptions are logged (masked) instead of printed raw to stderr."""
    logging.getLogger("uncaught").critical("uncaught exception", exc_info=(kind, error, traceback))  # type: ignore[arg-type]


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread else "?"
    logging.getLogger("uncaught").critical(
        "uncaught exception in thread %s",
        name,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),  # type: ignore[arg-type]
    )


def guard_new_handlers() -> None:
    """Give the masking filter to every handler already attached to a logger and to every
    handler attached from now on (``Logger.addHandler``), whoever creates it."""
    if logging.Logger.addHandler is not _add_masked_handler:
        logging.Logger.addHandler = _add_masked_handler  # type: ignore[method-assign]
    for logger in _all_loggers():
        for handler in logger.handlers:
            _mask(handler)


def unguard_new_handlers() -> None:
    """Undo the ``Logger.addHandler`` part of :func:`guard_new_handlers` (for tests)."""
    logging.Logger.addHandler = _original_add_handler  # type: ignore[method-assign]


def _add_masked_handler(self: logging.Logger, handler: logging.Handler) -> None:
    _mask(handler)
    _original_add_handler(self, handler)


def _mask(handler: logging.Handler) -> None:
    if not any(isinstance(existing, PiiMaskingFilter) for existing in handler.filters):
        handler.addFilter(_shared_filter)


def _all_loggers() -> list[logging.Logger]:
    named = [logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    return [logging.getLogger(), *named]


_shared_filter = PiiMaskingFilter()
