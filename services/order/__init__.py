"""The order service: the checkout's final order, persisted once, and fulfilment requested for it.

The last forward step of the saga. One ``orders`` row per checkout (the checkout id is its primary
key): a confirmed order with its lines and the stock locations inventory allocated, or, when the
cancellation came first, a tombstone that refuses a late order. Cancelling keeps the order for audit
with status ``CANCELLED``; nothing is ever deleted. Invariant: per currency, the totals of confirmed
orders equal the totals of ``OrderCreated`` events minus those of ``OrderCancelled`` events.
"""
