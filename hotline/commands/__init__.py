"""The `hotline` sub-commands, one module per area."""
