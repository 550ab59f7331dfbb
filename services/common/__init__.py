"""The kit every commerce service is built from, so no service repeats it.

One module per job:

* ``settings`` - the pydantic-settings base (``<PREFIX>DATABASE_URL``, host 127.0.0.1, port...);
* ``database`` - engine and session factories (SQLite WAL + foreign keys + ``BEGIN IMMEDIATE`` writers;
  PostgreSQL and MariaDB at READ COMMITTED); ``sqltypes`` - UTC timestamps and JSON on every backend;
* ``tables`` / ``kit_schema`` / ``migrations`` / ``revision`` - the kit's own tables, their frozen
  migration operations, Alembic run from code at start-up, and writing new migrations;
* ``uow`` / ``transactions`` - the unit of work, and rerunning a transaction that lost a race;
* ``idempotency`` - stored replies under ``Idempotency-Key``, claimed in the effect's transaction;
* ``outbox`` / ``audit`` - domain events and compensation audit rows, in the same transaction;
* ``errors`` / ``reply`` / ``problems`` / ``problem_handlers`` - business rejections, replies, and
  RFC 9457 problem+json for every error;
* ``web`` / ``health`` / ``app`` / ``server`` - FastAPI helpers, liveness and readiness, the app factory
  and uvicorn;
* ``money`` / ``currencies`` / ``api_types`` - integer minor units with ISO 4217 codes, never floats.

``services/README.md`` describes how a service is put together from these.
"""
