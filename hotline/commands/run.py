"""`hotline run`: all processes until Ctrl-C."""

from __future__ import annotations

import signal
import time

import typer

from hotline.commands.common import console
from settings import load_settings


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(
    web_port: int = typer.Option(8000, help="Web app port"),
    rasa_port: int = typer.Option(5005, help="Rasa server port"),
    action_port: int | None = typer.Option(None, help="Action server port [default: HOTLINE_ACTION_PORT, 5055]"),
) -> None:
    """Start the Rasa server, the action server and the web app; Ctrl-C stops them."""
    from hotline.processes import Supervisor, action_server, process_secrets, rasa_server, secure_var_dir, web_app

    settings = load_settings()
    action_port = action_port or settings.action_port
    secure_var_dir(settings)  # umask 077, var/ 0700
    process_secrets()  # HOTLINE_RASA_TOKEN / HOTLINE_ACTION_TOKEN: from the environment or generated now
    supervisor = Supervisor(settings.logs_dir)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)  # `kill` stops children too
    specs = [
        action_server(action_port, {}),
        rasa_server(rasa_port, action_port, settings.tracker_db, {}),
        web_app(web_port, rasa_port, {}),
    ]
    started = time.perf_counter()
    try:
        for spec in specs:
            console.print(f"Starting {spec.name} …")
            supervisor.wait_healthy(spec, supervisor.start(spec))
        console.print(
            f"[green]Ready in {time.perf_counter() - started:.0f}s.[/green] "
            f"Chat page: http://127.0.0.1:{web_port}/  (logs in {settings.logs_dir}; Ctrl-C stops)"
        )
        while all(proc.poll() is None for _, proc in supervisor.running):
            time.sleep(1)
        console.print("[red]A process stopped; shutting down the others.[/red]")
    except KeyboardInterrupt:
        console.print("Stopping …")
    finally:
        supervisor.stop_all()
