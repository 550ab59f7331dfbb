"""Logs the events travel on: ports, the Kafka adapter and the local SQLite log."""
