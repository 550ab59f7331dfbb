"""Where the engine keeps its state: durable before any command is acknowledged."""
