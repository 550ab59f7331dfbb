"""Tokenizer for FEEL source text.

Multi-word names (``upper case``, ``date and time``) are *not* joined here: whether ``a b`` is one
name depends on what follows (``(`` or ``:``), which the parser knows and the lexer does not.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from engine.feel.errors import FeelSyntaxError

__all__ = ["Token", "TokenKind", "tokenize"]


class TokenKind(enum.Enum):
    NUMBER = "number"
    STRING = "string"
    NAME = "name"
    SYMBOL = "symbol"
    END = "end"


@dataclass(frozen=True, slots=True)
class Token:
    """One lexeme; ``quoted`` marks backtick names, which are never keywords."""

    kind: TokenKind
    text: str
    start: int
    end: int
    quoted: bool = False

    def is_symbol(self, symbol: str) -> bool:
        return self.kind is TokenKind.SYMBOL and self.text == symbol

    def is_word(self, word: str) -> bool:
        return self.kind is TokenKind.NAME and not self.quoted and self.text == word


# Longest first, so that ``**`` wins over ``*`` and ``..`` over ``.``.
_SYMBOLS: tuple[str, ...] = ("**", "..", "!=", "<=", ">=", "+", "-", "*", "/", "=", "<", ">", ".", ",")
_SYMBOLS += (":", "(", ")", "[", "]", "{", "}", "@", "?")

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}


def _is_name_start(char: str) -> bool:
    return char.isalpha() or char in "_$"


def _is_name_part(char: str) -> bool:
    return char.isalnum() or char in "_$"


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens, ending with an ``END`` token; raises :class:`FeelSyntaxError`."""
    tokens: list[Token] = []
    length = len(source)
    pos = 0
    while True:
        pos = _skip_blanks(source, pos)
        if pos >= length:
            tokens.append(Token(TokenKind.END, "", length, length))
            return tokens
        char = source[pos]
        if char.isdigit() or (char == "." and pos + 1 < length and source[pos + 1].isdigit()):
            end = _scan_number(source, pos)
            tokens.append(Token(TokenKind.NUMBER, source[pos:end], pos, end))
        elif char == '"':
            text, end = _scan_string(source, pos)
            tokens.append(Token(TokenKind.STRING, text, pos, end))
        elif char == "`":
            end = source.find("`", pos + 1)
            if end == -1:
                raise FeelSyntaxError(source, "unterminated backtick name", pos)
            if end == pos + 1:
                raise FeelSyntaxError(source, "empty backtick name", pos)
            tokens.append(Token(TokenKind.NAME, source[pos + 1 : end], pos, end + 1, quoted=True))
            end += 1
        elif _is_name_start(char):
            end = pos + 1
            while end < length and _is_name_part(source[end]):
                end += 1
            tokens.append(Token(TokenKind.NAME, source[pos:end], pos, end))
        else:
            # An unknown character becomes a one-character symbol: it may be part of a context key
            # (``{a-b#c: 1}``), and anywhere else the parser reports it as an unexpected token.
            symbol = next((s for s in _SYMBOLS if source.startswith(s, pos)), char)
            end = pos + len(symbol)
            tokens.append(Token(TokenKind.SYMBOL, symbol, pos, end))
        pos = end


def _skip_blanks(source: str, pos: int) -> int:
    """Skip whitespace and ``//``/``/* */`` comments, which feel-scala allows anywhere."""
    length = len(source)
    while pos < length:
        if source[pos].isspace():
            pos += 1
        elif source.startswith("//", pos):
            newline = source.find("\n", pos)
            pos = length if newline == -1 else newline + 1
        elif source.startswith("/*", pos):
            close = source.find("*/", pos + 2)
            if close == -1:
                raise FeelSyntaxError(source, "unterminated comment", pos)
            pos = close + 2
        else:
            break
    return pos


def _scan_number(source: str, pos: int) -> int:
    length = len(source)
    end = pos
    while end < length and source[end].isdigit():
        end += 1
    # A dot belongs to the number only if a digit follows: ``1..3`` is a range, ``a.b`` a path.
    if end + 1 < length and source[end] == "." and source[end + 1].isdigit():
        end += 1
        while end < length and source[end].isdigit():
            end += 1
    return end


def _scan_string(source: str, pos: int) -> tuple[str, int]:
    """Decode a double-quoted string.

    Unknown escapes such as ``\\d`` are kept verbatim, as in feel-scala, because they are usually
    meant for the regular expression functions (``matches(x, "\\d+")``).
    """
    length = len(source)
    parts: list[str] = []
    index = pos + 1
    while index < length:
        char = source[index]
        if char == '"':
            return "".join(parts), index + 1
        if char == "\\" and index + 1 < length:
            escaped = source[index + 1]
            if escaped in _ESCAPES:
                parts.append(_ESCAPES[escaped])
                index += 2
                continue
            digits = _hex_digits(source, index + 2, 4 if escaped == "u" else 6 if escaped == "U" else 0)
            if digits:
                parts.append(chr(int(digits, 16)))
                index += 2 + len(digits)
                continue
            parts.append(char + escaped)
            index += 2
            continue
        parts.append(char)
        index += 1
    raise FeelSyntaxError(source, "unterminated string literal", pos)


def _hex_digits(source: str, pos: int, limit: int) -> str:
    """Hex digits of a ``\\u`` (exactly 4) or ``\\U`` (4 to 6, e.g. ``\\U101EF``) escape; '' if invalid."""
    end = pos
    while end < len(source) and end - pos < limit and source[end] in "0123456789abcdefABCDEF":
        end += 1
    digits = source[pos:end]
    if len(digits) < 4 or (limit == 4 and len(digits) != 4) or int(digits, 16) > 0x10FFFF:
        return ""
    return digits
