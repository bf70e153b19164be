"""Shared settings, privacy helpers and the `hotline` command-line tool."""
