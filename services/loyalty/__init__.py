"""The loyalty service: points for a completed order, per checkout; revocation as compensation.

Not a step of the checkout diagram: a Kafka consumer calls it on ``OrderCreated`` and
``OrderCancelled``, so calls may come twice, late, or in the wrong order (a revoke before its award).
The checkout id is the award's primary key, so a checkout is awarded at most once, and a revoke that
finds nothing leaves a tombstone that refuses the late award.

Invariant, per customer: ``balance == awarded - revoked == sum of the points of the awards not
revoked``, and ``balance >= 0``; no award is revoked twice.
"""
