"""The Rasa project: configuration, domain, dialogue data and custom NLU components."""
