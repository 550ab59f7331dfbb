"""Operator tools for the dead-letter topics the consumer groups park records on
(:mod:`events.consumer.dead_letters`): ``python -m events.dead_letters replay --group <group>``."""
