"""SQL plumbing shared by the stores (work orders in tickets/, knowledge in knowledge_base/).

`engines.make_engine` is the one engine factory (SQLite: WAL, busy timeout, explicit BEGIN so
writers can lock up front; PostgreSQL: lock timeout; both: no row values in error messages), and
`migrate.Migrations` brings a store's tables to its newest Alembic revision. Both stores may live
in one database: each has its own tables and its own version table.

Neutral on purpose: imports neither the domain packages nor the app (hotline/, rasa, fastapi, typer).
"""
