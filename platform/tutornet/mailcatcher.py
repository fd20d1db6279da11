"""A local SMTP mail catcher for the demo (``./run demo``).

Every message it receives is written to ``var/mail/<time>-<n>.eml`` and its
recipient, subject and links are printed, so a person trying the demo can
click an invitation or password-reset link straight from the console.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

LINK_RE = re.compile(r"https?://[^\s<>\"')]+")


def message_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


class MailCatcherHandler:
    def __init__(self, directory: Path, echo: Any = print) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.echo = echo
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        raw: bytes = envelope.original_content or envelope.content
        with self._lock:
            number = next(self._numbers)
        path = self.directory / f"{time.strftime('%Y%m%d-%H%M%S')}-{number:04d}.eml"
        path.write_bytes(raw)
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        links = list(dict.fromkeys(LINK_RE.findall(message_text(message))))
        lines = [f"✉  mail to {', '.join(envelope.rcpt_tos)}: {message['Subject']}"]
        lines += [f"     {link}" for link in links]
        lines.append(f"     saved as {path}")
        self.echo("\n".join(lines))
        return "250 Message accepted for delivery"


def mailcatcher_start(directory: Path, port: int, host: str = "127.0.0.1", echo: Any = print) -> Any:
    """Start the catcher in a thread; returns the aiosmtpd controller (call ``.stop()``)."""
    from aiosmtpd.controller import Controller

    controller = Controller(MailCatcherHandler(directory, echo), hostname=host, port=port)
    controller.start()
    return controller
