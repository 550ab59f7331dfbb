"""Alembic migrations of the cart database (applied at start-up; see services.common.migrations)."""
