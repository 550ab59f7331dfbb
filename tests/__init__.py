"""Test suite: ``unit`` (no servers), ``integration`` (real servers), ``e2e`` (the whole stack)."""
