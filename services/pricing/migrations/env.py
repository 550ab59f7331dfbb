"""Alembic environment of the pricing service: the kit runs it on the connection it was given."""

from services.common.migrations import run_env
from services.pricing.adapters.orm import metadata

run_env(metadata)
