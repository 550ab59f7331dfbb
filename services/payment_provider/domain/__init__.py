"""Captures, refunds and the sandbox's test tokens, in plain Python."""
