"""Alembic migrations of the provider database (applied at start-up; see services.common.migrations)."""
