"""Department directory and routing of work orders (domain code: no Rasa, no web framework)."""

from routing.directory import CityDirectory, Department, District
from routing.router import Router, RoutingDecision, RoutingRule

__all__ = [
    "CityDirectory",
    "Department",
    "District",
    "Router",
    "RoutingDecision",
    "RoutingRule",
]
