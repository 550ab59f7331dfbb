"""Operate-shaped (REST API v1) read API over the engine's SQLite history.

``create_app`` in :mod:`engine.read_api.app` builds the FastAPI application; it reads the database
through read-only connections of its own and never writes.
"""
