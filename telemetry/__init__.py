"""Tracing shared by every process: set up from the standard ``OTEL_*`` variables, the W3C trace
context carried where HTTP headers cannot go (process variables, stored events), and traced HTTP calls
over aiohttp (``http_client``: the workers' service calls and the gateway's Operate reads). Knows
nothing of commerce, so the engine may use it too."""
