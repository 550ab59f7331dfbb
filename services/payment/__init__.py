"""The payment service: one card capture per checkout through the payment provider, refunds as
compensation.

Invariant, per checkout: at most one capture is ever made at the provider (its idempotency key is
derived from the checkout id alone), at most one refund, of exactly the captured amount, and money
captured - refunded is never negative. Only payment tokens (``tok_...``) are stored, never card data.
The provider is called *between* two transactions, never inside one (see ``service_layer.handlers``).
"""
