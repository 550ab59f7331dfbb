"""Recursive-descent parser: FEEL text to :mod:`engine.feel.ast`.

Precedence follows feel-scala's grammar (lowest first): ``if``/``for``/``some``/``every``,
``or``, ``and``, one comparison (``=``, ``<``, ``between``, ``in``, ``instance of``), ``+ -``,
``* /``, ``**``, unary minus, then paths, filters and calls.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final, TypeVar

from engine.feel import ast, temporal
from engine.feel.errors import FeelSyntaxError
from engine.feel.lexer import Token, TokenKind, tokenize

__all__ = ["parse"]

_T = TypeVar("_T")

# Words that can never be variable names (feel-scala's reserved words).
_RESERVED: Final = frozenset(
    {"null", "true", "false", "function", "in", "return", "then", "else", "satisfies", "and", "or"}
)
# Words that start or continue a construct; they may not be part of a multi-word name unless the
# whole name is a known built-in such as ``date and time`` or ``index of``.
_STRUCTURAL: Final = _RESERVED | {"if", "for", "some", "every", "between", "instance", "of"}

# Built-in names that contain a structural word, so the generic rule would not join them.
_KNOWN_MULTI_WORD: Final = frozenset(
    {
        "date and time",
        "years and months duration",
        "days and time duration",
        "get or else",
        "index of",
        "day of week",
        "day of year",
        "month of year",
        "week of year",
        "last day of month",
    }
)

_SPECIAL_TYPE_NAMES: Final = (
    ("years", "and", "months", "duration"),
    ("days", "and", "time", "duration"),
    ("date", "and", "time"),
)

_COMPARISON_OPERATORS: Final = frozenset({"=", "!=", "<", "<=", ">", ">="})
_UNARY_OPERATORS: Final = frozenset({"<", "<=", ">", ">="})
_KEY_STOPPERS: Final = frozenset({"{", "}", ",", "[", "]"})


def parse(source: str) -> ast.Node:
    """Parse a whole expression; raises :class:`FeelSyntaxError` naming the first problem."""
    return _Parser(source).parse()


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.index = 0
        self.in_interval_end = 0

    # -- token helpers -------------------------------------------------------------------------

    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not TokenKind.END:
            self.index += 1
        return token

    def at_symbol(self, symbol: str) -> bool:
        return self.peek().is_symbol(symbol)

    def at_word(self, word: str) -> bool:
        return self.peek().is_word(word)

    def expect_symbol(self, symbol: str) -> Token:
        if not self.at_symbol(symbol):
            raise self.unexpected(f"expected '{symbol}'")
        return self.advance()

    def expect_word(self, word: str) -> Token:
        if not self.at_word(word):
            raise self.unexpected(f"expected '{word}'")
        return self.advance()

    def unexpected(self, expectation: str | None = None, token: Token | None = None) -> FeelSyntaxError:
        token = token or self.peek()
        found = (
            "end of expression"
            if token.kind is TokenKind.END
            else f"token '{self.source[token.start : token.end]}'"
        )
        reason = f"{expectation} but found {found}" if expectation else f"unexpected {found}"
        return FeelSyntaxError(self.source, reason, token.start)

    def attempt(self, rule: Callable[[], _T]) -> _T | None:
        """Run ``rule``, rewinding on a syntax error: used where FEEL is ambiguous (``(1..5]`` vs ``(a)``)."""
        saved = self.index
        try:
            return rule()
        except FeelSyntaxError:
            self.index = saved
            return None

    # -- entry ---------------------------------------------------------------------------------

    def parse(self) -> ast.Node:
        node = self.expression()
        if self.peek().kind is not TokenKind.END:
            raise self.unexpected()
        return node

    # -- expressions ---------------------------------------------------------------------------

    def expression(self) -> ast.Node:
        if self.at_word("if"):
            return self.if_expression()
        if self.at_word("for") and self.starts_iterator(1):
            self.advance()
            iterators = self.iterators()
            self.expect_word("return")
            return ast.For(iterators, self.expression())
        if (self.at_word("some") or self.at_word("every")) and self.starts_iterator(1):
            quantifier = self.advance().text
            iterators = self.iterators()
            self.expect_word("satisfies")
            condition = self.expression()
            return ast.Some(iterators, condition) if quantifier == "some" else ast.Every(iterators, condition)
        return self.disjunction()

    def if_expression(self) -> ast.Node:
        self.expect_word("if")
        condition = self.expression()
        self.expect_word("then")
        then = self.expression()
        self.expect_word("else")
        return ast.If(condition, then, self.expression())

    def starts_iterator(self, offset: int) -> bool:
        return self.peek(offset).kind is TokenKind.NAME and self.peek(offset + 1).is_word("in")

    def iterators(self) -> tuple[tuple[str, ast.Node], ...]:
        iterators = [self.iterator()]
        while self.at_symbol(","):
            self.advance()
            iterators.append(self.iterator())
        return tuple(iterators)

    def iterator(self) -> tuple[str, ast.Node]:
        name = self.advance()
        if name.kind is not TokenKind.NAME:
            raise self.unexpected("expected a variable name", name)
        self.expect_word("in")
        domain = self.additive()
        if self.at_symbol(".."):
            self.advance()
            domain = ast.IterationRange(domain, self.additive())
        return name.text, domain

    def disjunction(self) -> ast.Node:
        node = self.conjunction()
        while self.at_word("or"):
            self.advance()
            node = ast.Or(node, self.conjunction())
        return node

    def conjunction(self) -> ast.Node:
        node = self.comparison()
        while self.at_word("and"):
            self.advance()
            node = ast.And(node, self.comparison())
        return node

    def comparison(self) -> ast.Node:
        left = self.additive()
        token = self.peek()
        if token.kind is TokenKind.SYMBOL and token.text in _COMPARISON_OPERATORS:
            self.advance()
            return ast.Comparison(token.text, left, self.additive())  # type: ignore[arg-type]
        if token.is_word("between"):
            self.advance()
            low = self.additive()
            self.expect_word("and")
            return ast.Between(left, low, self.additive())
        if token.is_word("instance") and self.peek(1).is_word("of"):
            self.advance()
            self.advance()
            return ast.InstanceOf(left, self.type_name())
        if token.is_word("in"):
            self.advance()
            return ast.In(left, self.in_tests())
        return left

    def type_name(self) -> str:
        for words in _SPECIAL_TYPE_NAMES:
            if all(self.peek(offset).is_word(word) for offset, word in enumerate(words)):
                self.index += len(words)
                return " ".join(words)
        parts = [self.name_token("expected a type name").text]
        while self.at_symbol(".") and self.peek(1).kind is TokenKind.NAME:
            self.advance()
            parts.append(self.advance().text)
        return ".".join(parts)

    def name_token(self, expectation: str) -> Token:
        if self.peek().kind is not TokenKind.NAME:
            raise self.unexpected(expectation)
        return self.advance()

    # -- unary tests (right-hand side of ``in``) -----------------------------------------------

    def in_tests(self) -> tuple[ast.UnaryTest, ...]:
        if self.at_symbol("("):
            interval = self.attempt(self.interval)
            if interval is not None:
                return (interval,)
            self.advance()
            tests = [self.positive_unary_test()]
            while self.at_symbol(","):
                self.advance()
                tests.append(self.positive_unary_test())
            self.expect_symbol(")")
            return tuple(tests)
        return (self.positive_unary_test(),)

    def positive_unary_test(self) -> ast.UnaryTest:
        token = self.peek()
        if token.kind is TokenKind.SYMBOL and token.text in _UNARY_OPERATORS:
            self.advance()
            return ast.UnaryComparison(token.text, self.additive())  # type: ignore[arg-type]
        if token.kind is TokenKind.SYMBOL and token.text in ("(", "[", "]"):
            interval = self.attempt(self.interval)
            if interval is not None:
                return interval
        expression = self.expression()
        if isinstance(expression, ast.Const) and isinstance(expression.value, bool):
            # ``x in true`` means "x is true", not "the test expression is true".
            return ast.UnaryComparison("=", expression)
        return ast.UnaryExpression(expression)

    def interval(self) -> ast.Interval:
        opening = self.advance()
        if not (opening.is_symbol("(") or opening.is_symbol("[") or opening.is_symbol("]")):
            raise self.unexpected("expected an interval", opening)
        start = self.additive()
        self.expect_symbol("..")
        self.in_interval_end += 1
        try:
            end = self.additive()
        finally:
            self.in_interval_end -= 1
        closing = self.advance()
        if not (closing.is_symbol(")") or closing.is_symbol("]") or closing.is_symbol("[")):
            raise self.unexpected("expected ')' or ']' to close the interval", closing)
        return ast.Interval(opening.text == "[", start, end, closing.text == "]")

    # -- arithmetic ----------------------------------------------------------------------------

    def additive(self) -> ast.Node:
        node = self.multiplicative()
        while self.at_symbol("+") or self.at_symbol("-"):
            operator = self.advance().text
            node = ast.Arithmetic(operator, node, self.multiplicative())  # type: ignore[arg-type]
        return node

    def multiplicative(self) -> ast.Node:
        node = self.exponentiation()
        while self.at_symbol("*") or self.at_symbol("/"):
            operator = self.advance().text
            node = ast.Arithmetic(operator, node, self.exponentiation())  # type: ignore[arg-type]
        return node

    def exponentiation(self) -> ast.Node:
        node = self.negation()
        while self.at_symbol("**"):
            self.advance()
            node = ast.Arithmetic("**", node, self.negation())
        return node

    def negation(self) -> ast.Node:
        if not self.at_symbol("-"):
            return self.postfix()
        self.advance()
        operand = self.negation()
        if isinstance(operand, ast.Const) and isinstance(operand.value, Decimal):
            return ast.Const(-operand.value)
        return ast.Negation(operand)

    # -- values, paths, filters, calls ---------------------------------------------------------

    def postfix(self) -> ast.Node:
        node = self.primary()
        while True:
            if self.at_symbol("."):
                self.advance()
                key = self.path_key()
                node = self.call(key, callee=node) if self.at_symbol("(") else ast.Path(node, key)
            elif self.at_symbol("["):
                if self.in_interval_end:
                    # Rewind if this is not a filter: in ``x in ]1..5[`` the ``[`` closes the interval.
                    condition = self.attempt(self.filter_condition)
                    if condition is None:
                        return node
                else:
                    condition = self.filter_condition()
                node = ast.Filter(node, condition)
            else:
                return node

    def filter_condition(self) -> ast.Node:
        self.expect_symbol("[")
        condition = self.expression()
        self.expect_symbol("]")
        return condition

    def path_key(self) -> str:
        if self.at_word("time") and self.peek(1).is_word("offset"):
            self.index += 2
            return "time offset"
        return self.name_token("expected a name after '.'").text

    def primary(self) -> ast.Node:
        token = self.peek()
        if token.kind is TokenKind.NUMBER:
            self.advance()
            return ast.Const(Decimal(token.text))
        if token.kind is TokenKind.STRING:
            self.advance()
            return ast.Const(token.text)
        if token.kind is TokenKind.NAME:
            return self.name_or_call()
        if token.is_symbol("("):
            self.advance()
            node = self.expression()
            self.expect_symbol(")")
            return node
        if token.is_symbol("["):
            return ast.ListLiteral(tuple(self.delimited("[", "]", self.expression)))
        if token.is_symbol("{"):
            return ast.ContextLiteral(tuple(self.delimited("{", "}", self.context_entry)))
        if token.is_symbol("@"):
            self.advance()
            literal = self.advance()
            if literal.kind is not TokenKind.STRING:
                raise self.unexpected("expected a string after '@'", literal)
            return ast.Const(_temporal_literal(literal.text))
        if token.is_symbol("?"):
            self.advance()
            return ast.InputValue()
        raise self.unexpected()

    def name_or_call(self) -> ast.Node:
        token = self.peek()
        if token.quoted:
            self.advance()
            return self.call(token.text) if self.at_symbol("(") else ast.Name(token.text)
        if token.text in ("true", "false"):
            self.advance()
            return ast.Const(token.text == "true")
        if token.text == "null":
            self.advance()
            return ast.Const(None)
        if token.text == "function" and self.peek(1).is_symbol("("):
            return self.function_definition()
        name, length = self.multi_word_name("(")
        if length:
            self.index += length
            return self.call(name)
        if token.text in _RESERVED and not (token.text in ("and", "or") and self.peek(1).is_symbol("(")):
            raise self.unexpected()
        self.advance()
        return self.call(token.text) if self.at_symbol("(") else ast.Name(token.text)

    def multi_word_name(self, terminator: str) -> tuple[str, int]:
        """Find a name of several words followed by ``terminator`` (``upper case(``, ``start position:``).

        Returns the name and its number of words, or ``("", 0)``.
        """
        words: list[str] = []
        offset = 0
        while True:
            token = self.peek(offset)
            if token.kind is not TokenKind.NAME or token.quoted:
                break
            if offset and self.source[self.peek(offset - 1).end : token.start].strip(" \t"):
                break
            words.append(token.text)
            offset += 1
        for length in range(len(words), 1, -1):
            if not self.peek(length).is_symbol(terminator):
                continue
            name = " ".join(words[:length])
            if name in _KNOWN_MULTI_WORD or not _STRUCTURAL.intersection(words[:length]):
                return name, length
        return "", 0

    def call(self, name: str, callee: ast.Node | None = None) -> ast.Call:
        self.expect_symbol("(")
        if self.at_symbol(")"):
            self.advance()
            return ast.Call(name, (), None, callee)
        if self.starts_named_argument():
            named = self.delimited_tail(")", self.named_argument)
            return ast.Call(name, (), tuple(named), callee)
        arguments = self.delimited_tail(")", self.expression)
        return ast.Call(name, tuple(arguments), None, callee)

    def starts_named_argument(self) -> bool:
        offset = 0
        while self.peek(offset).kind is TokenKind.NAME:
            offset += 1
        return offset > 0 and self.peek(offset).is_symbol(":")

    def named_argument(self) -> tuple[str, ast.Node]:
        name, length = self.multi_word_name(":")
        if length:
            self.index += length
        else:
            name = self.name_token("expected a parameter name").text
        self.expect_symbol(":")
        return name, self.expression()

    def function_definition(self) -> ast.Node:
        self.expect_word("function")
        self.expect_symbol("(")
        parameters: list[str] = []
        if not self.at_symbol(")"):
            parameters = self.delimited_tail(")", lambda: self.name_token("expected a parameter name").text)
        else:
            self.advance()
        return ast.FunctionDefinition(tuple(parameters), self.expression())

    def context_entry(self) -> tuple[str, ast.Node]:
        key = self.context_key()
        self.expect_symbol(":")
        return key, self.expression()

    def context_key(self) -> str:
        """A key is a string, a backtick name, or any text up to ``:`` (``{first name: 1, a-b: 2}``)."""
        token = self.peek()
        if token.kind is TokenKind.STRING or (token.kind is TokenKind.NAME and token.quoted):
            self.advance()
            return token.text
        offset = 0
        while True:
            current = self.peek(offset)
            if current.is_symbol(":") or current.kind in (TokenKind.END, TokenKind.STRING):
                break
            if current.kind is TokenKind.SYMBOL and current.text in _KEY_STOPPERS:
                break
            offset += 1
        if offset == 0 or not self.peek(offset).is_symbol(":"):
            raise self.unexpected("expected a context key followed by ':'")
        key = self.source[token.start : self.peek(offset - 1).end].strip()
        self.index += offset
        return key

    def delimited(self, opening: str, closing: str, item: Callable[[], _T]) -> list[_T]:
        self.expect_symbol(opening)
        if self.at_symbol(closing):
            self.advance()
            return []
        return self.delimited_tail(closing, item)

    def delimited_tail(self, closing: str, item: Callable[[], _T]) -> list[_T]:
        items = [item()]
        while self.at_symbol(","):
            self.advance()
            items.append(item())
        self.expect_symbol(closing)
        return items


def _temporal_literal(text: str) -> Any:
    """Interpret ``@"..."`` by its shape, as feel-scala does; an invalid literal is ``null``."""
    body = text.strip()
    try:
        if body.startswith(("P", "-P", "+P")):
            return temporal.parse_duration(body)
        if "T" in body:
            return temporal.parse_date_time(body)
        if ":" in body:
            return temporal.parse_time(body)
        return temporal.parse_date(body)
    except ValueError:
        return None
