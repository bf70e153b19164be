"""Start the rasa-sdk action server in one process, after loading the model and index.

rasa-sdk's own runner hands requests to spawned Sanic workers, which would each
load the embedding model again on their first request. A single process that
warms up before it listens answers the first caller at full speed; scale out by
running several action servers behind a load balancer instead.
"""
from __future__ import annotations

import argparse
import logging
import os

from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

from actions import services


def main() -> None:
    parser = argparse.ArgumentParser(description="12345 hotline action server")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", default=os.environ.get("SANIC_HOST", "127.0.0.1"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    services.warm_up()
    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_app_for_serve(executor, cors_origins="*", endpoints="bot/endpoints.yml")
    app.prepare(host=args.host, port=args.port, single_process=True, motd=False, access_log=False)
    Sanic.serve_single(primary=app)


if __name__ == "__main__":
    main()
