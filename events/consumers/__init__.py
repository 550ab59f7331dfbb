"""The consumer groups of the saga's events, one module each; ``python -m events.consumers <group>``."""
