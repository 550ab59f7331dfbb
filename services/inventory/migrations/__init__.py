"""Alembic migrations of the inventory database (applied at start-up; see services.common.migrations)."""
