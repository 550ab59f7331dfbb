"""Alembic environment of the inventory: the kit runs it on the connection it was given."""

from services.common.migrations import run_env
from services.inventory.adapters.orm import metadata

run_env(metadata)
