"""A terminal for the command line's tests: standard error that keeps what was written, one
string (the ``\\r`` of a line written again kept), or standard input the command may ask a
password on."""

from __future__ import annotations


class Terminal:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True
