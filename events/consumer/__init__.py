"""Consuming events with exactly-once effect: inbox de-duplication, offsets after the database
transaction, dead letters for what cannot be processed."""
