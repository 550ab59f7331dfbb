"""Repositories of captures, refunds and ``tok_flaky`` attempts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.payment_provider.adapters.orm import CaptureRow, FlakyAttemptRow, RefundRow
from services.payment_provider.domain.model import Capture, CaptureStatus, Refund


def _capture(row: CaptureRow) -> Capture:
    return Capture(
        id=row.id,
        amount=row.amount,
        currency=row.currency,
        payment_token=row.payment_token,
        status=CaptureStatus(row.status),
        created_at=row.created_at,
        failure_code=row.failure_code,
        refunded_amount=row.refunded_amount,
    )


class CaptureRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, capture_id: str, *, lock: bool = False) -> Capture | None:
        query = select(CaptureRow).where(CaptureRow.id == capture_id)
        if lock:
            query = query.with_for_update()  # refunds of one capture queue here: no over-refund
        row = self._session.scalars(query).first()
        return None if row is None else _capture(row)

    def add(self, capture: Capture) -> None:
        self._session.add(
            CaptureRow(
                id=capture.id,
                amount=capture.amount,
                currency=capture.currency,
                payment_token=capture.payment_token,
                status=capture.status.value,
                failure_code=capture.failure_code,
                refunded_amount=capture.refunded_amount,
                created_at=capture.created_at,
            )
        )
        self._session.flush()

    def save_refunded(self, capture: Capture) -> None:
        row = self._session.get_one(CaptureRow, capture.id)
        row.refunded_amount = capture.refunded_amount
        self._session.flush()


class RefundRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, refund: Refund) -> None:
        self._session.add(
            RefundRow(
                id=refund.id,
                capture_id=refund.capture_id,
                amount=refund.amount,
                currency=refund.currency,
                created_at=refund.created_at,
            )
        )
        self._session.flush()


class FlakyAttempts:
    def __init__(self, session: Session) -> None:
        self._session = session

    def count_attempt(self, idempotency_key: str) -> int:
        """Count one more attempt for the key; returns how many there have been, this one included."""
        row = self._session.scalars(
            select(FlakyAttemptRow)
            .where(FlakyAttemptRow.idempotency_key == idempotency_key)
            .with_for_update()
        ).first()
        if row is None:
            self._session.add(FlakyAttemptRow(idempotency_key=idempotency_key, failures=1))
            self._session.flush()
            return 1
        row.failures += 1
        self._session.flush()
        return row.failures
