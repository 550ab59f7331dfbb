"""Alembic migrations of the payment database (applied at start-up; see services.common.migrations)."""
