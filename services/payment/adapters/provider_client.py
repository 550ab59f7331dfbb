"""The payment provider over HTTP (httpx): the adapter behind the service layer's ``PaymentProvider``.

Provider answers are sorted here, so the use cases see results and failures, never status codes:

* 201 → :class:`Captured` / :class:`Refunded` (amount and currency checked against what was asked);
* 402 → :class:`Declined` with the provider's decline code; a 422 refusing the payment token (one
  the provider does not know) is a decline too (``invalid_payment_token``): nothing was charged;
* no connection, 5xx, 429, or 401/403 (our credentials are wrong: an operator must fix them, and a
  retry after that is safe) → :class:`ProviderFailure` (503), a timeout after sending →
  :class:`ProviderTimedOut` (504);
* anything else → :class:`ProviderProtocolError`.

The API key is only ever put in the ``Authorization`` header; neither it nor the headers are logged.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from pydantic import SecretStr

from services.common.money import Money
from services.payment.service_layer.provider import (
    Captured,
    CaptureRequest,
    Declined,
    ProviderFailure,
    ProviderProtocolError,
    ProviderTimedOut,
    Refunded,
    RefundRequest,
)

log = logging.getLogger(__name__)

INVALID_PAYMENT_TOKEN = "invalid_payment_token"
"""Our decline code for a token the provider refuses as unknown."""

_TECHNICAL = frozenset({401, 403, 429})


def _retry_after(response: httpx.Response) -> int:
    value = response.headers.get("Retry-After", "")
    return max(1, int(value)) if value.isdigit() else 1


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError as error:
        raise ProviderProtocolError(f"the provider answered {response.status_code} without JSON") from error
    if not isinstance(document, dict):
        raise ProviderProtocolError(f"the provider answered {response.status_code} with a non-object")
    return document


def _check_amount(document: dict[str, Any], amount: Money) -> None:
    if (document.get("amount"), document.get("currency")) != (amount.amount_minor, amount.currency):
        raise ProviderProtocolError("the provider moved another amount than asked")


def _refuses_token(response: httpx.Response) -> bool:
    errors = _json(response).get("errors") or []
    return any(isinstance(error, dict) and error.get("path") == "payment_token" for error in errors)


class HttpPaymentProvider:
    """One pooled ``httpx.Client`` (thread-safe) for all calls; :meth:`close` at shutdown."""

    def __init__(
        self,
        base_url: str,
        timeout_seconds: float,
        api_key: SecretStr | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key.get_secret_value()}"} if api_key else {}
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=httpx.Timeout(timeout_seconds), headers=headers
        )

    def close(self) -> None:
        self._http.close()

    def capture(self, request: CaptureRequest) -> Captured | Declined:
        body = {
            "amount": request.amount.amount_minor,
            "currency": request.amount.currency,
            "payment_token": request.payment_token,
        }
        response = self._post("/v1/captures", request.idempotency_key, body)
        if response.status_code == 201:
            document = _json(response)
            if document.get("status") != "succeeded":
                raise ProviderProtocolError("the provider answered 201 for a capture that did not succeed")
            _check_amount(document, request.amount)
            return Captured(str(document["id"]))
        if response.status_code == 402:
            problem = _json(response)
            capture_id = problem.get("capture_id")
            return Declined(str(problem.get("code")), None if capture_id is None else str(capture_id))
        if response.status_code == 422 and _refuses_token(response):
            return Declined(INVALID_PAYMENT_TOKEN, None)
        raise self._unexpected(response)

    def refund(self, request: RefundRequest) -> Refunded:
        body = {"capture_id": request.capture_id, "amount": request.amount.amount_minor}
        response = self._post("/v1/refunds", request.idempotency_key, body)
        if response.status_code == 201:
            document = _json(response)
            _check_amount(document, request.amount)
            return Refunded(str(document["id"]))
        raise self._unexpected(response)

    def _post(self, path: str, key: str, body: dict[str, Any]) -> httpx.Response:
        try:
            response = self._http.post(path, json=body, headers={"Idempotency-Key": key})
        except (httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            raise ProviderFailure(f"could not reach the payment provider ({type(error).__name__})") from error
        except httpx.TimeoutException as error:
            log.warning("payment provider: no answer in time to %s (%s)", path, type(error).__name__)
            raise ProviderTimedOut(
                f"the payment provider did not answer in time ({type(error).__name__})"
            ) from error
        except httpx.TransportError as error:
            raise ProviderFailure(f"could not reach the payment provider ({type(error).__name__})") from error
        if response.status_code >= 500 or response.status_code in _TECHNICAL:
            log.warning("payment provider answered %d to %s", response.status_code, path)
            raise ProviderFailure(
                f"the payment provider answered {response.status_code}", _retry_after(response)
            )
        return response

    @staticmethod
    def _unexpected(response: httpx.Response) -> ProviderProtocolError:
        code = _json(response).get("code") if response.content else None
        return ProviderProtocolError(f"unexpected provider answer {response.status_code} ({code})")
