"""Tracing shared by every process: set up from the standard ``OTEL_*`` variables, and the W3C trace
context carried where HTTP headers cannot go (process variables, stored events). Knows nothing of
commerce, so the engine may use it too."""
