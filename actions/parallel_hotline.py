"""On the phone, a matter its owner's parallel hotline handles itself (12315 …) is offered for transfer
with one key (routing: matters.yaml ``transfer``, departments.yaml ``parallel_hotline``)."""

from __future__ import annotations

import logging

from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.channels import parallel_hotline_offer

logger = logging.getLogger(__name__)


def offer_parallel_hotline(dispatcher: CollectingDispatcher, text: str, district: str | None) -> None:
    """Add the transfer offer to this turn's replies when the router sends ``text`` to a parallel hotline."""
    try:
        decision = services.router().route(text, district or None)
    except Exception as error:  # noqa: BLE001 - no offer; the caller is answered all the same
        logger.warning("no parallel-hotline check (%s)", type(error).__name__)
        return
    if decision.transfer_to and decision.emergency is None:
        dispatcher.utter_message(json_message=parallel_hotline_offer(decision.transfer_to, decision.department))
