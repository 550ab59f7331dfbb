"""The partition's state machine: commands in, state changes and responses out.

Nothing here does I/O or awaits: commands are applied one at a time on the event loop thread, which
is what makes the engine's behaviour deterministic and its state safe without locks.
"""
