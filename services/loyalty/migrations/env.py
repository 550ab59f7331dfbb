"""Alembic environment of the loyalty service: the kit runs it on the connection it was given."""

from services.common.migrations import run_env
from services.loyalty.adapters.orm import metadata

run_env(metadata)
