"""Evaluation and benchmark commands (`hotline eval …`, `hotline bench …`)."""
