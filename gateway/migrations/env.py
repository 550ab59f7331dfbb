"""Alembic environment of the gateway: migrate on the connection the kit hands over.

(``services.common.migrations.run_env`` would add the kit's idempotency, outbox and audit tables to
the compared metadata; the gateway has none of them.)
"""

from alembic import context

from gateway.adapters.orm import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("migrations run from code only: gateway.adapters.database.open_database")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
