"""Alembic migrations of the order database (applied at start-up; see services.common.migrations)."""
