"""Static-or-FEEL attribute values, compiled the way Zeebe reads them.

Zeebe treats a value starting with ``=`` as a FEEL expression (the rest of the text) and anything
else as a static value. Where the model needs an :class:`Expression` but Zeebe allows a static value
(e.g. the source of an input mapping), the static text becomes a FEEL string literal, so the runtime
always evaluates an expression.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from engine.bpmn.document import Document
from engine.bpmn.model import Literal, Value
from engine.feel import Expression, FeelSyntaxError, compile_expression

__all__ = ["PATH_PATTERN", "compile_feel", "expression", "is_expression", "path", "string_literal", "value"]

PATH_PATTERN = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z_][a-zA-Z0-9_]*)*")
_PATH_RESERVED_WORDS = (
    "null",
    "true",
    "false",
    "function",
    "if",
    "then",
    "else",
    "for",
    "between",
    "instance",
    "of",
)
_STRING_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def is_expression(text: str) -> bool:
    return text.strip().startswith("=")


def string_literal(text: str) -> Expression:
    """A FEEL expression that evaluates to ``text``."""
    return compile_expression('"' + text.translate(_STRING_ESCAPES) + '"')


def compile_feel(document: Document, anchor: ET.Element, text: str, *where: str) -> Expression | None:
    """Compile ``=expr`` (or ``expr``); a syntax error is recorded as a problem of ``anchor``."""
    source = text.strip()
    if source.startswith("="):
        source = source[1:]
    try:
        return compile_expression(source)
    except FeelSyntaxError as error:
        document.error(anchor, str(error), *where)
        return None


def value(document: Document, anchor: ET.Element, text: str, *where: str) -> Value | None:
    """``=expr`` -> compiled :class:`Expression`; anything else -> :class:`Literal`. None if invalid."""
    if is_expression(text):
        return compile_feel(document, anchor, text, *where)
    return Literal(text)


def expression(
    document: Document,
    anchor: ET.Element,
    text: str | None,
    *where: str,
    non_static: bool,
) -> Expression | None:
    """A mandatory expression; a static value is an error if ``non_static``, else a string literal."""
    if text is None:
        document.error(anchor, "Expected expression but not found.", *where)
        return None
    if is_expression(text):
        return compile_feel(document, anchor, text, *where)
    if non_static:
        document.error(
            anchor,
            f"Expected expression but found static value '{text}'. "
            f"An expression must start with '=' (e.g. '={text}').",
            *where,
        )
        return None
    return string_literal(text)


def path(document: Document, anchor: ET.Element, text: str | None, *where: str) -> str | None:
    """A variable path (mapping target): ``a`` or ``a.b.c``, not a reserved word."""
    if not text:
        document.error(anchor, "Expected path expression but not found.", *where)
        return None
    valid = True
    if PATH_PATTERN.fullmatch(text) is None:
        document.error(
            anchor,
            f"Expected path expression '{text}' but doesn't match the pattern '{PATH_PATTERN.pattern}'.",
            *where,
        )
        valid = False
    if text in _PATH_RESERVED_WORDS:
        document.error(
            anchor,
            f"Expected path expression '{text}' but is one of the reserved words "
            f"({', '.join(_PATH_RESERVED_WORDS)}).",
            *where,
        )
        valid = False
    return text if valid else None
