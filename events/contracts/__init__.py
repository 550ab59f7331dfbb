"""Versioned contracts of the domain events: what each (event type, schema version) payload holds.

Producers (the services' outboxes) and consumers agree on these models, not on each other's code.
:mod:`events.contracts.registry` maps an event to its model and topic, :mod:`events.contracts.schemas`
writes their JSON Schemas to ``events/schemas/`` for consumers in any language, and
``python -m events.contracts check`` keeps those files, the models and the rules of
:mod:`events.contracts.compatibility` in agreement.
"""
