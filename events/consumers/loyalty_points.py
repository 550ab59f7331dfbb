"""Group ``loyalty-points``: award points when an order is created, revoke them when it is cancelled.

Loyalty is not a step of the checkout diagram: a checkout must not fail because points could not be
credited, so this reacts to ``order.events`` (choreography). The loyalty service is called over HTTP
with an ``Idempotency-Key`` derived from the event id, and credits each checkout at most once and
never after its revoke, so the effect is exactly once even if the inbox row were lost; the inbox
keeps redeliveries from reaching the service at all.
"""

from __future__ import annotations

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.orm import Session

from events.consumer.dead_letters import Poison
from events.consumer.runner import Handler
from events.contracts.base import EventPayload
from events.contracts.order import OrderCancelledV1, OrderCreatedV1
from events.envelope import Envelope

GROUP_ID = "loyalty-points"
TOPICS = ("order.events",)


class LoyaltyPointsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOYALTY_POINTS_", frozen=True, extra="ignore")

    loyalty_url: str = Field(default="http://127.0.0.1:8106", description="The loyalty service.")
    database_url: str = Field(
        default="sqlite:///var/events/loyalty-points.db", description="The group's inbox database."
    )
    timeout_seconds: float = Field(default=5.0, gt=0, description="Per call to the loyalty service.")


class LoyaltyClient:
    """The two loyalty calls this group makes; 5xx and network errors raise (the runner retries)."""

    def __init__(self, http: httpx.Client) -> None:
        self._http = http

    def award(self, envelope: Envelope, order: OrderCreatedV1) -> None:
        response = self._http.post(
            "/v1/awards",
            headers={"Idempotency-Key": f"{GROUP_ID}:{envelope.event_id}"},
            json={
                "checkout_id": order.checkout_id,
                "customer_id": order.customer_id,
                "order_id": order.order_id,
                "amount": order.total.model_dump(),
            },
        )
        if response.status_code == 409 and _code(response) == "AWARD_REVOKED":
            return  # the order was cancelled (and its revoke handled) before this award arrived
        _raise_for(response)

    def revoke(self, envelope: Envelope, order: OrderCancelledV1) -> None:
        response = self._http.post(
            f"/v1/awards/{order.checkout_id}/revoke",
            headers={"Idempotency-Key": f"{GROUP_ID}:{envelope.event_id}"},
        )
        _raise_for(response)


def _code(response: httpx.Response) -> str | None:
    try:
        code = response.json().get("code")
    except ValueError:
        return None
    return code if isinstance(code, str) else None


def _raise_for(response: httpx.Response) -> None:
    if response.status_code >= 500 or response.status_code == 429:
        response.raise_for_status()  # technical: retried
    if response.status_code >= 400:
        raise Poison(f"loyalty answered {response.status_code} {_code(response) or ''}".strip())


def handlers(client: LoyaltyClient) -> dict[str, Handler]:
    def on_created(envelope: Envelope, payload: EventPayload, _session: Session) -> None:
        assert isinstance(payload, OrderCreatedV1)
        client.award(envelope, payload)

    def on_cancelled(envelope: Envelope, payload: EventPayload, _session: Session) -> None:
        assert isinstance(payload, OrderCancelledV1)
        client.revoke(envelope, payload)

    return {"OrderCreated": on_created, "OrderCancelled": on_cancelled}
