"""Money as an integer count of minor units and an ISO 4217 currency. Never a float.

Floats cannot hold 0.10 exactly, and sums of prices drift; cents (or yen, or fils) are integers and
add up exactly. Arithmetic across currencies is refused rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.common.currencies import MINOR_UNIT_EXPONENTS, is_currency


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""


@dataclass(frozen=True, slots=True, order=False)
class Money:
    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if type(self.amount_minor) is not int:  # bool is an int subclass; float is refused outright
            raise TypeError(f"money is an int of minor units, not {type(self.amount_minor).__name__}")
        if not is_currency(self.currency):
            raise ValueError(f"{self.currency!r} is not an ISO 4217 currency code")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @property
    def exponent(self) -> int:
        """Decimal places of the currency's minor unit (2 for EUR, 0 for JPY)."""
        return MINOR_UNIT_EXPONENTS[self.currency]

    def _same_currency(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount_minor, self.currency)

    def times(self, quantity: int) -> Money:
        """The price of ``quantity`` items (an int: fractional quantities would need rounding rules)."""
        if type(quantity) is not int:
            raise TypeError("quantity must be an int")
        return Money(self.amount_minor * quantity, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount_minor < other.amount_minor

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount_minor <= other.amount_minor

    def is_negative(self) -> bool:
        return self.amount_minor < 0

    def __str__(self) -> str:
        """``EUR 12.34`` (for people and logs; APIs carry the integer)."""
        sign = "-" if self.amount_minor < 0 else ""
        units = abs(self.amount_minor)
        if self.exponent == 0:
            return f"{self.currency} {sign}{units}"
        major, minor = divmod(units, 10**self.exponent)
        return f"{self.currency} {sign}{major}.{minor:0{self.exponent}d}"
