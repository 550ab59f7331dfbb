"""Alembic environment of the payment service: the kit runs it on the connection it was given."""

from services.common.migrations import run_env
from services.payment.adapters.orm import metadata

run_env(metadata)
