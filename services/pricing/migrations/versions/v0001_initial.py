"""Initial pricing schema: prices, tax rates (seeded), promotions, quotes, quote lines, the kit tables.

The seeded tax rates (basis points) are defaults an admin may change with ``PUT /v1/tax-rates``:
EU-DE 1900, EU-FR 2000, EU-NL 2100, UK 2000, US-CA 725, US-NY 400.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from services.common.kit_schema import create_kit_tables_v1, drop_kit_tables_v1
from services.common.sqltypes import UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEEDED_TAX_RATES = {"EU-DE": 1900, "EU-FR": 2000, "EU-NL": 2100, "UK": 2000, "US-CA": 725, "US-NY": 400}


def _amount() -> sa.types.TypeEngine[int]:
    """64-bit amounts; SQLite's INTEGER is 64-bit already."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    create_kit_tables_v1()
    op.create_table(
        "prices",
        sa.Column("sku", sa.String(100), nullable=False),
        sa.Column("unit_price_minor", _amount(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("unit_price_minor >= 0", name="ck_prices_unit_price_not_negative"),
        sa.PrimaryKeyConstraint("sku", name="pk_prices"),
    )
    tax_rates = op.create_table(
        "tax_rates",
        sa.Column("region", sa.String(20), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("rate_bp BETWEEN 0 AND 10000", name="ck_tax_rates_rate_bp_in_range"),
        sa.PrimaryKeyConstraint("region", name="pk_tax_rates"),
    )
    op.create_table(
        "promotions",
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("percent_off", sa.Integer(), nullable=True),
        sa.Column("amount_off_minor", _amount(), nullable=True),
        sa.Column("min_subtotal_minor", _amount(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("max_redemptions", sa.Integer(), nullable=True),
        sa.Column("valid_until", UtcDateTime(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("redemptions", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "(percent_off IS NULL AND amount_off_minor IS NOT NULL)"
            " OR (percent_off IS NOT NULL AND amount_off_minor IS NULL)",
            name="ck_promotions_one_kind_of_discount",
        ),
        sa.CheckConstraint(
            "percent_off IS NULL OR percent_off BETWEEN 1 AND 100", name="ck_promotions_percent_off_in_range"
        ),
        sa.CheckConstraint(
            "amount_off_minor IS NULL OR amount_off_minor > 0", name="ck_promotions_amount_off_positive"
        ),
        sa.CheckConstraint(
            "min_subtotal_minor IS NULL OR min_subtotal_minor >= 0",
            name="ck_promotions_min_subtotal_not_negative",
        ),
        sa.CheckConstraint("redemptions >= 0", name="ck_promotions_redemptions_not_negative"),
        sa.CheckConstraint(
            "max_redemptions IS NULL OR redemptions <= max_redemptions",
            name="ck_promotions_redemptions_within_limit",
        ),
        sa.PrimaryKeyConstraint("code", name="pk_promotions"),
    )
    op.create_table(
        "quotes",
        sa.Column("checkout_id", sa.String(100), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("quote_id", sa.String(36), nullable=True),
        sa.Column("customer_id", sa.String(100), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("shipping_region", sa.String(20), nullable=True),
        sa.Column("tax_rate_bp", sa.Integer(), nullable=True),
        sa.Column("promo_code", sa.String(40), nullable=True),
        sa.Column("subtotal_minor", _amount(), nullable=True),
        sa.Column("discount_minor", _amount(), nullable=True),
        sa.Column("tax_minor", _amount(), nullable=True),
        sa.Column("total_minor", _amount(), nullable=True),
        sa.Column("quoted_at", UtcDateTime(), nullable=True),
        sa.Column("voided_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint("status IN ('ACTIVE', 'VOIDED')", name="ck_quotes_status_known"),
        sa.CheckConstraint(
            "discount_minor >= 0 AND discount_minor <= subtotal_minor", name="ck_quotes_discount_in_range"
        ),
        sa.CheckConstraint("tax_minor >= 0", name="ck_quotes_tax_not_negative"),
        sa.CheckConstraint(
            "total_minor = subtotal_minor - discount_minor + tax_minor", name="ck_quotes_total_adds_up"
        ),
        sa.ForeignKeyConstraint(["promo_code"], ["promotions.code"], name="fk_quotes_promo_code_promotions"),
        sa.PrimaryKeyConstraint("checkout_id", name="pk_quotes"),
        sa.UniqueConstraint("quote_id", name="uq_quotes_quote_id"),
    )
    op.create_table(
        "quote_lines",
        sa.Column("checkout_id", sa.String(100), nullable=False),
        sa.Column("sku", sa.String(100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_minor", _amount(), nullable=False),
        sa.CheckConstraint("quantity BETWEEN 1 AND 1000", name="ck_quote_lines_quantity_in_range"),
        sa.CheckConstraint("unit_price_minor >= 0", name="ck_quote_lines_unit_price_not_negative"),
        sa.ForeignKeyConstraint(
            ["checkout_id"], ["quotes.checkout_id"], name="fk_quote_lines_checkout_id_quotes"
        ),
        sa.ForeignKeyConstraint(["sku"], ["prices.sku"], name="fk_quote_lines_sku_prices"),
        sa.PrimaryKeyConstraint("checkout_id", "sku", name="pk_quote_lines"),
    )
    seeded_at = datetime.now(UTC)
    op.bulk_insert(
        tax_rates,
        [
            {"region": region, "rate_bp": rate, "updated_at": seeded_at}
            for region, rate in SEEDED_TAX_RATES.items()
        ],
    )


def downgrade() -> None:
    op.drop_table("quote_lines")
    op.drop_table("quotes")
    op.drop_table("promotions")
    op.drop_table("tax_rates")
    op.drop_table("prices")
    drop_kit_tables_v1()
