"""The voice line: the voice dialogue's rules (menu, re-prompts, number reading, transfers) as plain
code, and the carriers behind a small interface (``telephony.carriers``).

Domain package: imports no Rasa, web framework, CLI or settings. The web app's webhooks
(webapp/voice.py) and the CLI (hotline/commands/voice.py) are its composition roots.
"""
