"""Start the rasa-sdk action server in one process, after loading the model and index.

rasa-sdk's own runner hands requests to spawned Sanic workers, which would each
load the embedding model again on their first request. A single process that
warms up before it listens answers the first caller at full speed; scale out by
running several action servers behind a load balancer instead.

Only Rasa calls this server: no CORS, and every route but /health needs the shared
token HOTLINE_ACTION_TOKEN as the query parameter ``token`` (Rasa sends it from
``action_endpoint.token`` in bot/endpoints.yml). Logging goes through the one masking
configuration of :mod:`hotline.logging_config`.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
import sys

from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from hotline.logging_config import configure_logging
from hotline.processes import UMASK
from settings import SettingsError, load_settings

logger = logging.getLogger(__name__)
OPEN_PATHS = frozenset({"/health"})


def build_app(executor: ActionExecutor, token: str) -> Sanic:
    """The action server's Sanic app: rasa-sdk's routes, no CORS, token required."""
    if not token:
        raise ValueError("the action server needs a token (HOTLINE_ACTION_TOKEN)")
    app = create_app_for_serve(executor, cors_origins=None, endpoints="bot/endpoints.yml")

    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        provided = request.args.get("token") or ""
        if hmac.compare_digest(provided.encode(), token.encode()):
            return None
        logger.warning("refused a call without the action token: %s %s", request.method, request.path)
        return response.json({"error": "unauthorized"}, status=401)

    app.on_request(require_token, priority=100)
    # rasa-sdk's own handler echoes the whole request (the caller's tracker) in its 500 answer,
    # which Rasa then logs; answer without it.
    app.error_handler.cached_handlers[(Exception, None)] = _internal_error
    return app


async def _internal_error(request: Request, exception: Exception) -> HTTPResponse:
    logger.error("action server error on %s %s", request.method, request.path, exc_info=exception)
    return response.json({"error": "internal error"}, status=500)


def main() -> None:
    try:
        settings = load_settings()  # checked before anything starts
    except SettingsError as error:
        sys.exit(str(error))
    parser = argparse.ArgumentParser(description="12345 hotline action server")
    parser.add_argument("--port", type=int, default=settings.action_port, help="default: HOTLINE_ACTION_PORT")
    parser.add_argument("--host", default=settings.action_host, help="default: SANIC_HOST")
    args = parser.parse_args()
    os.umask(UMASK)
    configure_logging("action_server", settings.log_level)
    token = settings.action_token
    if not token:
        sys.exit("HOTLINE_ACTION_TOKEN is not set: the action server accepts only calls carrying it")
    from actions import services  # after logging is configured: it loads the model and index

    services.warm_up()
    executor = ActionExecutor()
    executor.register_package("actions")
    app = build_app(executor, token)
    app.prepare(host=args.host, port=args.port, single_process=True, motd=False, access_log=False)
    Sanic.serve_single(primary=app)


if __name__ == "__main__":
    main()
