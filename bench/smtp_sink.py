"""A local SMTP sink for the notification benchmark: accepts every message on
127.0.0.1 and counts them.

    python bench/smtp_sink.py PORT

Prints ``ready`` once listening; then answers each line read on stdin with the
number of messages and of distinct recipients received so far ("10000 100").
Stops at the end of stdin.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from aiosmtpd.controller import Controller


class Counter:
    def __init__(self) -> None:
        self.messages = 0
        self.recipients: set[str] = set()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        with self.lock:
            self.messages += 1
            self.recipients.update(envelope.rcpt_tos)
        return "250 OK"


def main() -> None:
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=int(sys.argv[1]))
    controller.start()
    print("ready", flush=True)
    try:
        for _line in sys.stdin:
            with counter.lock:
                print(counter.messages, len(counter.recipients), flush=True)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
