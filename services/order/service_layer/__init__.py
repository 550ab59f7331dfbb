"""Order use cases: each one transaction through the unit of work, idempotent where it mutates."""
