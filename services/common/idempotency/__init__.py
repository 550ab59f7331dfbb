"""Idempotency keys: a retry with the same key gets the first result, and the work is done once.

``fingerprint`` hashes a request, ``store`` keeps the replies in ``idempotency_keys`` and ``runner``
puts the two around a use case in one transaction. (No re-exports here: the unit of work imports the
store, and the runner imports the unit of work.)
"""
