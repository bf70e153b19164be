"""The ASGI web app: chat page, chat relay to Rasa, work-order lookup."""
