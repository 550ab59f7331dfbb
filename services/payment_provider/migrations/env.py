"""Alembic environment of the provider: the kit runs it on the connection it was given."""

from services.common.migrations import run_env
from services.payment_provider.adapters.orm import metadata

run_env(metadata)
