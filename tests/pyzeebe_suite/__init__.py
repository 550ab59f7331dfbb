"""pyzeebe's own integration suite, run unchanged against our engine.

``python -m tests.pyzeebe_suite`` fetches pyzeebe's source distribution (cached under
``.cache/pyzeebe-sdist/``), then runs pytest on its ``tests/integration/`` with ``plugin.py``, which puts
our engine where that suite starts a Zeebe container. See ``__main__.py`` and ``plugin.py``.
"""
