"""Alembic migrations of the gateway's database, applied from code at start-up."""
