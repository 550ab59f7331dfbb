"""Payment use cases: two transactions around each provider call, idempotent per key and per checkout."""
