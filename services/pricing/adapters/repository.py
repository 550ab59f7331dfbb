"""Repositories: load domain objects (locking what will change) and write them back.

Locks are what keep a promotion's redemptions exact on PostgreSQL (and MariaDB) at READ COMMITTED:
quoting and voiding take ``SELECT ... FOR UPDATE`` on the promotion row, so concurrent checkouts
using one code queue on it and each counts what the other committed; ``max_redemptions`` is never
overrun. Every use case locks in the same order (the checkout's quote row, then the promotion), so
they queue instead of deadlocking. (On SQLite the write transaction already holds the database lock
from ``BEGIN IMMEDIATE``; ``FOR UPDATE`` is simply not emitted there.)
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from services.common.money import Money
from services.common.sqltypes import utc_now
from services.pricing.adapters.orm import PriceRow, PromotionRow, QuoteLineRow, QuoteRow, TaxRateRow
from services.pricing.domain.model import Promotion, PromotionTerms, Quote, QuoteLine, QuoteStatus


def _money(amount_minor: int | None, currency: str | None) -> Money | None:
    return None if amount_minor is None or currency is None else Money(amount_minor, currency)


class PriceRepository:
    """Unit prices per SKU (a SKU has one price, in one currency)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, sku: str, *, lock: bool = False) -> Money | None:
        query = select(PriceRow).where(PriceRow.sku == sku)
        row = self._session.scalars(query.with_for_update() if lock else query).first()
        return None if row is None else Money(row.unit_price_minor, row.currency)

    def unit_prices(self, skus: Sequence[str]) -> dict[str, Money]:
        """The prices of those of ``skus`` that have one (no lock: a quote only reads them)."""
        if not skus:
            return {}
        rows = self._session.execute(
            select(PriceRow.sku, PriceRow.unit_price_minor, PriceRow.currency).where(PriceRow.sku.in_(skus))
        )
        return {sku: Money(amount, currency) for sku, amount, currency in rows}

    def put(self, sku: str, unit_price: Money) -> None:
        """Insert or overwrite the price of ``sku`` (after :meth:`get` with ``lock=True``)."""
        row = self._session.get(PriceRow, sku)
        if row is None:
            row = PriceRow(sku=sku)
            self._session.add(row)
        row.unit_price_minor = unit_price.amount_minor
        row.currency = unit_price.currency
        row.updated_at = utc_now()
        self._session.flush()  # a concurrent insert of the same SKU fails here, and the transaction reruns


class TaxRateRepository:
    """Tax rates per shipping region, in basis points."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, region: str, *, lock: bool = False) -> int | None:
        query = select(TaxRateRow).where(TaxRateRow.region == region)
        row = self._session.scalars(query.with_for_update() if lock else query).first()
        return None if row is None else row.rate_bp

    def put(self, region: str, rate_bp: int) -> None:
        """Insert or overwrite the rate of ``region`` (after :meth:`get` with ``lock=True``)."""
        row = self._session.get(TaxRateRow, region)
        if row is None:
            row = TaxRateRow(region=region)
            self._session.add(row)
        row.rate_bp = rate_bp
        row.updated_at = utc_now()
        self._session.flush()


def _promotion(row: PromotionRow) -> Promotion:
    terms = PromotionTerms(
        percent_off=row.percent_off,
        amount_off=_money(row.amount_off_minor, row.currency),
        min_subtotal=_money(row.min_subtotal_minor, row.currency),
        max_redemptions=row.max_redemptions,
        valid_until=row.valid_until,
        active=row.active,
    )
    return Promotion(row.code, terms, row.redemptions)


class PromotionRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, code: str, *, lock: bool = False) -> Promotion | None:
        query = select(PromotionRow).where(PromotionRow.code == code)
        row = self._session.scalars(query.with_for_update() if lock else query).first()
        return None if row is None else _promotion(row)

    def put(self, promotion: Promotion) -> None:
        """Insert or write back a promotion (after :meth:`get` with ``lock=True``)."""
        row = self._session.get(PromotionRow, promotion.code)
        if row is None:
            row = PromotionRow(code=promotion.code)
            self._session.add(row)
        terms = promotion.terms
        row.percent_off = terms.percent_off
        row.amount_off_minor = None if terms.amount_off is None else terms.amount_off.amount_minor
        row.min_subtotal_minor = None if terms.min_subtotal is None else terms.min_subtotal.amount_minor
        row.currency = terms.currency
        row.max_redemptions = terms.max_redemptions
        row.valid_until = terms.valid_until
        row.active = terms.active
        row.redemptions = promotion.redemptions
        row.updated_at = utc_now()
        self._session.flush()


def _quote(row: QuoteRow) -> Quote:
    currency = row.currency
    lines = []
    if currency is not None:
        lines = [
            QuoteLine(line.sku, line.quantity, Money(line.unit_price_minor, currency)) for line in row.lines
        ]
    quote = Quote(
        checkout_id=row.checkout_id,
        status=QuoteStatus(row.status),
        quote_id=row.quote_id,
        customer_id=row.customer_id,
        shipping_region=row.shipping_region,
        promo_code=row.promo_code,
        tax_rate_bp=row.tax_rate_bp,
        lines=lines,
        discount=_money(row.discount_minor, currency),
        tax=_money(row.tax_minor, currency),
        quoted_at=row.quoted_at,
        voided_at=row.voided_at,
    )
    if quote.total != _money(row.total_minor, currency) or quote.subtotal != _money(
        row.subtotal_minor, currency
    ):
        raise AssertionError(f"stored amounts of quote {row.quote_id} do not add up to its lines")
    return quote


class QuoteRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._rows: dict[str, QuoteRow] = {}

    def get(self, checkout_id: str, *, lock: bool = False) -> Quote | None:
        query = select(QuoteRow).where(QuoteRow.checkout_id == checkout_id)
        if lock:
            query = query.with_for_update()
        row = self._session.scalars(query.options(selectinload(QuoteRow.lines))).first()
        if row is None:
            return None
        self._rows[checkout_id] = row
        return _quote(row)

    def claim(self, checkout_id: str, status: QuoteStatus) -> None:
        """Insert the checkout's quote row now, before reading the catalogue.

        The primary key makes it the checkout's "at most once" guard: a concurrent request for the same
        checkout blocks here and, once this transaction commits, fails and reruns to find it. Claimed
        ``VOIDED`` it is a tombstone and is complete as it is.
        """
        # An empty collection, not a lazy one: saving lines later then does not ask the database first.
        row = QuoteRow(checkout_id=checkout_id, status=status.value, lines=[])
        if status is QuoteStatus.VOIDED:
            row.voided_at = utc_now()
        self._session.add(row)
        self._session.flush()
        self._rows[checkout_id] = row

    def save(self, quote: Quote) -> Quote:
        """Write a quote claimed or loaded in this transaction: all of it when new, else its status."""
        row = self._rows[quote.checkout_id]
        if quote.status is QuoteStatus.VOIDED and row.status != quote.status.value:
            row.voided_at = utc_now()
        row.status = quote.status.value
        if row.quote_id is None and quote.quote_id is not None:
            subtotal, total = quote.subtotal, quote.total
            assert subtotal is not None
            assert total is not None
            assert quote.discount is not None
            assert quote.tax is not None
            row.quote_id = quote.quote_id
            row.customer_id = quote.customer_id
            row.currency = quote.currency
            row.shipping_region = quote.shipping_region
            row.tax_rate_bp = quote.tax_rate_bp
            row.promo_code = quote.promo_code
            row.subtotal_minor = subtotal.amount_minor
            row.discount_minor = quote.discount.amount_minor
            row.tax_minor = quote.tax.amount_minor
            row.total_minor = total.amount_minor
            row.quoted_at = quote.quoted_at
            row.lines = [
                QuoteLineRow(
                    checkout_id=quote.checkout_id,
                    sku=line.sku,
                    quantity=line.quantity,
                    unit_price_minor=line.unit_price.amount_minor,
                )
                for line in quote.lines
            ]
        self._session.flush()
        return _quote(row)
