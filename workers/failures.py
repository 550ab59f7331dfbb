"""What can go wrong when a worker calls a service, sorted by what the saga must do about it.

* :class:`BusinessFailure`: the service said no (a 4xx problem with a stable code). Retrying cannot
  help; a forward step throws it as a BPMN error and the checkout compensates.
* :class:`TechnicalFailure`: the call failed (timeout, connection refused, 5xx). Retrying may help;
  the job fails with back-off until its retries run out, then Zeebe raises an incident.
* :class:`CircuitOpen`: a technical failure detected without a call, because the service's circuit is
  open. Forward steps fail fast into compensation; compensations wait for the circuit.
"""

from __future__ import annotations


class BusinessFailure(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class TechnicalFailure(Exception):
    def __init__(self, message: str, retry_after_seconds: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after_seconds = retry_after_seconds


class CircuitOpen(TechnicalFailure):
    """Raised instead of calling a service whose circuit is open."""

    code = "SERVICE_UNAVAILABLE"
