"""Group ``cart-checkouts``: a created order ends its checkout's cart reservation.

Creating the order is the saga's last step, so a completed checkout would otherwise leave its units
counted as reserved for ever. Ending the hold is not a step of the diagram: a checkout must not fail
or wait because the cart is slow to forget it, so this reacts to ``order.events`` (choreography) and
calls the cart over HTTP with an ``Idempotency-Key`` derived from the event id. The cart gives a
reservation's units back at most once, whether the check-out or the saga's release comes first.
"""

from __future__ import annotations

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.orm import Session

from events.consumer.runner import Handler
from events.consumers.group import HttpGroup
from events.consumers.service_calls import idempotency_headers, problem_code, raise_for
from events.contracts.base import EventPayload
from events.contracts.order import OrderCreatedV1
from events.envelope import Envelope

GROUP_ID = "cart-checkouts"
TOPICS = ("order.events",)


class CartCheckoutsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CART_CHECKOUTS_", frozen=True, extra="ignore")

    cart_url: str = Field(default="http://127.0.0.1:8101", description="The cart service.")
    database_url: str = Field(
        default="sqlite:///var/events/cart-checkouts.db", description="The group's inbox database."
    )
    timeout_seconds: float = Field(default=5.0, gt=0, description="Per call to the cart service.")


RESERVATION_NOT_FOUND = "RESERVATION_NOT_FOUND"


class CartClient:
    """The one cart call this group makes; 5xx and network errors raise (the runner retries), as does
    a 404 of a cart that does not know the route yet (one not upgraded, mid-rollout); the cart's own
    ``RESERVATION_NOT_FOUND`` (an order for a checkout it never saw) is poison."""

    def __init__(self, http: httpx.Client) -> None:
        self._http = http

    def check_out(self, envelope: Envelope, order: OrderCreatedV1) -> None:
        response = self._http.post(
            f"/v1/reservations/{order.checkout_id}/check-out", headers=idempotency_headers(GROUP_ID, envelope)
        )
        if response.status_code == 404 and problem_code(response) != RESERVATION_NOT_FOUND:
            response.raise_for_status()
        raise_for("cart", response)


def handlers(client: CartClient) -> dict[str, Handler]:
    def on_created(envelope: Envelope, payload: EventPayload, _session: Session) -> None:
        assert isinstance(payload, OrderCreatedV1)
        client.check_out(envelope, payload)

    return {"OrderCreated": on_created}


def group() -> HttpGroup:
    settings = CartCheckoutsSettings()
    return HttpGroup(
        GROUP_ID,
        TOPICS,
        settings.database_url,
        settings.cart_url,
        settings.timeout_seconds,
        lambda http: handlers(CartClient(http)),
    )
