"""The one local SMTP sink (aiosmtpd), used in three places:

* the demo (``./run demo``): every message is written to ``var/mail/<time>-<n>.eml`` and
  its recipient, subject and links are printed, so a person trying the demo can click an
  invitation or password-reset link straight from the console;
* the tests' live stack (``tests/conftest.py``): messages are kept in memory and a test
  waits for the one it expects (``wait_for``, ``to``);
* the notification benchmark (``bench/smtp_sink.py``): messages and distinct recipients
  are only counted, so the sink costs the measured system as little as possible.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any

LINK_RE = re.compile(r"https?://[^\s<>\"')]+")


def message_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


class MailCatcher:
    """An aiosmtpd handler that accepts every message.

    It always counts messages and distinct recipients. With ``keep`` it also keeps each
    message (parsed with the standard library's default, compat32, policy); with
    ``directory`` it saves each one as an ``.eml`` file; with ``echo`` it reports each one
    (recipients, subject, links) to that function.
    """

    def __init__(
        self,
        *,
        directory: Path | None = None,
        echo: Callable[[str], Any] | None = None,
        keep: bool = False,
    ) -> None:
        self.directory = directory
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
        self.echo = echo
        self.keep = keep
        self.messages: list[Message] = []
        self.count = 0
        self.recipients: set[str] = set()
        self.lock = threading.Lock()
        self._numbers = itertools.count(1)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        raw: bytes = envelope.original_content or envelope.content
        with self.lock:
            self.count += 1
            number = self.count
            self.recipients.update(envelope.rcpt_tos)
            if self.keep:
                self.messages.append(message_from_bytes(raw))
        path = None
        if self.directory is not None:
            path = self.directory / f"{time.strftime('%Y%m%d-%H%M%S')}-{number:04d}.eml"
            path.write_bytes(raw)
        if self.echo is not None:
            self.echo(self._describe(raw, envelope.rcpt_tos, path))
        return "250 Message accepted for delivery"

    @staticmethod
    def _describe(raw: bytes, recipients: list[str], path: Path | None) -> str:
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        links = list(dict.fromkeys(LINK_RE.findall(message_text(message))))
        lines = [f"✉  mail to {', '.join(recipients)}: {message['Subject']}"]
        lines += [f"     {link}" for link in links]
        if path is not None:
            lines.append(f"     saved as {path}")
        return "\n".join(lines)

    # --- reading what arrived (kept messages only) ---

    def wait_for(self, predicate: Callable[[Message], bool], timeout: float = 20.0) -> Message:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for message in self.messages:
                    if predicate(message):
                        return message
            time.sleep(0.05)
        with self.lock:
            got = [m["To"] for m in self.messages]
        raise AssertionError(f"no matching e-mail within {timeout}s; got {got}")

    def to(self, address: str) -> list[Message]:
        with self.lock:
            return [m for m in self.messages if address in (m["To"] or "")]


def sink_start(catcher: MailCatcher, port: int, host: str = "127.0.0.1") -> Any:
    """Listen with ``catcher`` in a thread; returns the aiosmtpd controller (call ``.stop()``)."""
    from aiosmtpd.controller import Controller

    controller = Controller(catcher, hostname=host, port=port)
    controller.start()
    return controller


def mailcatcher_start(directory: Path, port: int, host: str = "127.0.0.1", echo: Any = print) -> Any:
    """The demo's catcher: saves and prints every message. Returns the controller (``.stop()``)."""
    return sink_start(MailCatcher(directory=directory, echo=echo), port, host)
