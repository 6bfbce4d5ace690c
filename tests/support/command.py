"""The installed ``gradwalk`` command, to run as a user would, in a subprocess."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

#: The locale variables that choose gradwalk's language.
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def gradwalk_command() -> list[str]:
    """The console script of this environment (or ``python -m gradwalk.cli``)."""
    command = Path(sys.executable).parent / "gradwalk"
    return [str(command)] if command.exists() else [sys.executable, "-m", "gradwalk.cli"]


def environment(**variables: str) -> dict[str, str]:
    """This process's environment without locale variables, plus ``variables``."""
    base: Mapping[str, str] = os.environ
    env = {key: value for key, value in base.items() if key not in LOCALE_VARIABLES}
    env.pop("PYTHONIOENCODING", None)
    env.update(variables)
    return env
