"""What every test and doctest starts from: gradwalk speaking English.

The language comes from the locale (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``);
the suite's expected output is English whatever the locale of the machine that runs it,
and a language chosen by one test (``gradwalk.set_language``) never leaks into the next.
A test of another language chooses it itself.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setattr("gradwalk._common.language._chosen", None)
