"""The inventory service: stock per SKU, allocations per checkout, releases as compensation.

Invariant, per SKU: ``on_hand + allocated == received`` and ``on_hand >= 0``. ``received`` counts net
receipts (every admin stock setting records the difference as a receipt, negative for a write-off),
``allocated`` what checkouts hold, ``on_hand`` what is free to allocate.
"""
