"""The pricing service: prices, promotions and tax rates; one quote per checkout; voids as compensation.

A quote locks the unit prices of a checkout's lines (the per-checkout price override), applies at most
one promotion (taking one of its redemptions) and the shipping region's tax. Invariants: a
promotion's ``redemptions`` equals the number of ``ACTIVE`` quotes using it and never exceeds its
``max_redemptions``; a voided quote holds no redemption; every quote's
``total == subtotal - discount + tax``.
"""
