"""A local SMTP sink for the notification benchmark: accepts every message on
127.0.0.1 and counts them (the project's one sink, ``tutornet.mailcatcher``, in its
counting-only mode).

    python bench/smtp_sink.py PORT

Prints ``ready`` once listening; then answers each line read on stdin with the
number of messages and of distinct recipients received so far ("10000 100").
Stops at the end of stdin.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))

from tutornet.mailcatcher import MailCatcher, sink_start  # noqa: E402


def main() -> None:
    counter = MailCatcher()
    controller = sink_start(counter, int(sys.argv[1]))
    print("ready", flush=True)
    try:
        for _line in sys.stdin:
            with counter.lock:
                print(counter.count, len(counter.recipients), flush=True)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
