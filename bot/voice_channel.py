"""Rasa's input channel for the voice line: the REST webhook under another name.

The web app's voice gateway (webapp/voice.py) posts each caller turn to ``/webhooks/voice/webhook``
as ``{"sender": CallSid, "message": …, "metadata": …}``. Named ``voice``, the turn's input channel
(``actions.channels.is_voice``) and the output channel both say voice, so the domain's
``channel: voice`` responses are chosen (the REST channel's collector is called ``collector``).
Rasa's own ``twilio_voice`` channel is not used: no language on Gather, no Mandarin voice, no keys, no
signature check (see telephony/).
"""

import copy
import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

CHANNEL = "voice"


class VoiceOutputChannel(CollectingOutputChannel):
    """Collects the replies of one turn; its name selects the ``channel: voice`` responses."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL


class VoiceInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint("voice_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            sender_id = await self._extract_sender(request)
            text = self._extract_message(request)
            collector = VoiceOutputChannel()
            try:
                await on_new_message(
                    UserMessage(text, collector, sender_id, input_channel=CHANNEL, metadata=self.get_metadata(request))
                )
            except CancelledError:
                logger.error("voice turn timed out: %s", copy.deepcopy(text))
            except Exception:  # the gateway gets what was collected and tells the caller
                logger.exception("voice turn failed")
            return response.json(collector.messages)

        return webhook


__all__ = ["VoiceInput", "VoiceOutputChannel"]
