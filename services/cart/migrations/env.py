"""Alembic environment of the cart: the kit runs it on the connection it was given."""

from services.cart.adapters.orm import metadata
from services.common.migrations import run_env

run_env(metadata)
