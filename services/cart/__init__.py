"""The cart service: the product catalogue, reservations per checkout, releases as compensation.

Invariant, per product: ``reserved_quantity`` equals the units held by the ``RESERVED`` reservations
(a released reservation holds nothing). At most one reservation per checkout, and a reservation's
``provisional_total`` is the sum of its line totals, all in one currency.
"""
