"""The payment provider stand-in: an external card processor's sandbox, run locally.

It is the only stand-in the project allows, so it behaves like a real sandbox: its own database,
captures and refunds with provider-side idempotency keys, test tokens with fixed behaviours
(``tok_visa``, ``tok_chargeDeclined``, ``tok_insufficientFunds``, ``tok_timeout``, ``tok_flaky``) and
injectable latency and errors. It stores payment tokens only, never card numbers.
"""
