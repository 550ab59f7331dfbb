"""Alembic environment of the order service: the kit runs it on the connection it was given."""

from services.common.migrations import run_env
from services.order.adapters.orm import metadata

run_env(metadata)
