"""How a consumer group reads a service's answer: go on, retry the record, or dead-letter it."""

from __future__ import annotations

import httpx
import pytest

from events.consumer.dead_letters import Poison
from events.consumers.service_calls import problem_code, raise_for


def answer(status: int, body: object = None) -> httpx.Response:
    request = httpx.Request("POST", "http://cart/v1/reservations/chk-1/check-out")
    return httpx.Response(status, json=body, request=request)


@pytest.mark.parametrize("status", [200, 201, 204])
def test_a_success_lets_the_group_go_on(status: int) -> None:
    raise_for("cart", answer(status))


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_an_overloaded_or_failing_service_is_retried(status: int) -> None:
    with pytest.raises(httpx.HTTPStatusError):
        raise_for("cart", answer(status))


def test_a_refusal_is_poison_naming_the_service_and_the_problem_code() -> None:
    with pytest.raises(Poison, match=r"^cart answered 404 RESERVATION_NOT_FOUND$"):
        raise_for("cart", answer(404, {"code": "RESERVATION_NOT_FOUND"}))


def test_a_refusal_without_a_problem_document_is_poison_too() -> None:
    with pytest.raises(Poison, match=r"^loyalty answered 400$"):
        raise_for("loyalty", httpx.Response(400, text="bad", request=httpx.Request("GET", "http://x")))


def test_the_problem_code_is_read_only_from_a_json_object_with_a_string_code() -> None:
    assert problem_code(answer(409, {"code": "AWARD_REVOKED"})) == "AWARD_REVOKED"
    assert problem_code(answer(409, {"code": 7})) is None
    assert problem_code(httpx.Response(409, text="<html>")) is None
