"""ISO 4217 currency codes with their minor-unit exponents (the list in force in 2025).

Only currencies with a defined minor unit are here: funds codes and metals (XAU, XDR, XXX...) are not
money a shop charges. The exponent says how many minor units make a major one (EUR 2, JPY 0, KWD 3).
"""

from __future__ import annotations

from types import MappingProxyType


def _codes(text: str) -> list[str]:
    return text.split()


_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(
        _codes(
            """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN
        BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL
        GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD
        LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN
        PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB
        TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG"""
        ),
        2,
    ),
    **dict.fromkeys(_codes("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"), 0),
    **dict.fromkeys(_codes("BHD IQD JOD KWD LYD OMR TND"), 3),
    **dict.fromkeys(_codes("CLF UYW"), 4),
}

MINOR_UNIT_EXPONENTS = MappingProxyType(_EXPONENTS)
"""Code -> number of decimal places of its minor unit."""


def is_currency(code: str) -> bool:
    return code in MINOR_UNIT_EXPONENTS
