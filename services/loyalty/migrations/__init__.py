"""Alembic migrations of the loyalty database (applied at start-up; see services.common.migrations)."""
