"""A schema file as it was first committed: what its version promised consumers when it shipped.

Read from git, because the working tree only holds the version as it is now: a released version
edited in place (a required field removed, a type changed) regenerates its file and passes every
check that compares versions with each other, while the messages already on the topics, and the
consumers written against them, still follow the first text.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def _git(directory: Path, *arguments: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *arguments], cwd=directory, capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout


def first_committed(path: Path) -> str | None:
    """``path``'s text in the commit that added it; None for a file never committed, or outside a git
    work tree (an installed package has no history to compare with)."""
    if not path.parent.is_dir():
        return None
    added = (_git(path.parent, "log", "--diff-filter=A", "--format=%H", "--", path.name) or "").split()
    if not added:
        return None
    return _git(path.parent, "show", f"{added[-1]}:./{path.name}")  # git log lists the newest first
