"""``demo``'s progress bar: redrawn in place on a terminal, one finished line at the end; nothing at all
when stderr is a file or a pipe (a log gets no carriage-return noise)."""

from __future__ import annotations

import io

import pytest

from checkout_saga.demo import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_bar_is_redrawn_after_each_checkout_and_ends_its_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    progress = Progress(4)

    for _ in range(4):
        progress.advance()

    frames = terminal.getvalue().split("\r")[1:]
    assert frames[0] == "[" + "#" * 10 + "." * 30 + "] 1/4"
    assert frames[-1] == "[" + "#" * 40 + "] 4/4\n"
    assert len(frames) == 4


def test_when_stderr_is_not_a_terminal_nothing_is_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    log = io.StringIO()
    monkeypatch.setattr("sys.stderr", log)
    progress = Progress(3)

    for _ in range(3):
        progress.advance()

    assert (log.getvalue(), progress.done) == ("", 3)
