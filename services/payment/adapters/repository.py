"""The payments repository: load a checkout's payment (row-locked when it will change), write it back.

``get(lock=True)`` takes ``SELECT ... FOR UPDATE`` on PostgreSQL and MariaDB, so two requests for one
checkout (a capture and its compensation, say) take turns; on SQLite the write transaction holds the
database lock from ``BEGIN IMMEDIATE`` already.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.money import Money
from services.payment.adapters.orm import PaymentRow
from services.payment.domain.model import Charge, Payment, PaymentStatus

_STATE_COLUMNS = (
    "status",
    "provider_capture_id",
    "decline_code",
    "provider_refund_id",
    "captured_at",
    "declined_at",
    "voided_at",
    "refunded_at",
)
"""What changes after the row is written; the charge never does."""


def _charge(row: PaymentRow) -> Charge | None:
    if row.amount_minor is None:
        return None
    assert row.customer_id is not None
    assert row.currency is not None
    assert row.payment_token is not None
    return Charge(row.customer_id, Money(row.amount_minor, row.currency), row.payment_token)


def _payment(row: PaymentRow) -> Payment:
    return Payment(
        checkout_id=row.checkout_id,
        payment_id=row.payment_id,
        status=PaymentStatus(row.status),
        charge=_charge(row),
        created_at=row.created_at,
        **{column: getattr(row, column) for column in _STATE_COLUMNS if column != "status"},
    )


class PaymentRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._rows: dict[str, PaymentRow] = {}

    def get(self, checkout_id: str, *, lock: bool = False) -> Payment | None:
        query = select(PaymentRow).where(PaymentRow.checkout_id == checkout_id)
        if lock:
            query = query.with_for_update()
        row = self._session.scalars(query).first()
        if row is None:
            return None
        self._rows[checkout_id] = row
        return _payment(row)

    def add(self, payment: Payment) -> None:
        """Insert the checkout's payment row: the "once per checkout" guard.

        A concurrent request for the same checkout blocks on the primary key and, once this
        transaction commits, fails and reruns to find the row.
        """
        charge = payment.charge
        row = PaymentRow(
            checkout_id=payment.checkout_id,
            payment_id=payment.payment_id,
            customer_id=charge.customer_id if charge else None,
            amount_minor=charge.amount.amount_minor if charge else None,
            currency=charge.amount.currency if charge else None,
            payment_token=charge.payment_token if charge else None,
            created_at=payment.created_at,
        )
        self._session.add(row)
        self._rows[payment.checkout_id] = row
        self.save(payment)

    def save(self, payment: Payment) -> None:
        """Write the state of a payment added or loaded in this transaction."""
        row = self._rows[payment.checkout_id]
        row.status = payment.status.value
        for column in _STATE_COLUMNS[1:]:
            setattr(row, column, getattr(payment, column))
        self._session.flush()
