"""Ctrl-C in tests, whatever the signal disposition the test run was started with.

A shell starts a background job with SIGINT ignored, and Python then never installs its
KeyboardInterrupt handler; the tests of Ctrl-C undo that for the process they interrupt.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


def ctrl_c_enabled() -> None:
    """For ``subprocess.Popen(preexec_fn=...)``: the child starts with Ctrl-C's default."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextmanager
def keyboard_interrupt_on_ctrl_c() -> Iterator[None]:
    """In this process: SIGINT raises KeyboardInterrupt inside the block."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
