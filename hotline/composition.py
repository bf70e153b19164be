"""Domain objects built from the Settings, shared by the composition roots (action server, CLI)."""

from __future__ import annotations

from routing import paths as routing_paths
from routing.directory import CityDirectory
from routing.router import Router
from settings import Settings


def build_router(settings: Settings, directory: CityDirectory | None = None) -> Router:
    """Rules, plus the trained routing model in the routing directory when there is one."""
    return Router.from_city_dir(
        settings.city_dir,
        routing_paths.model_path(settings.routing_dir),
        settings.model_dir,
        model_optional=True,
        encoder_engine=settings.routing_encoder,
        max_seq_length=settings.onnx_max_tokens,
        directory=directory,
    )
