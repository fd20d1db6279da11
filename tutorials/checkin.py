"""The rotating check-in code that an organiser shows on the screen during a session.

A short numeric code (``DIGITS`` digits) is derived from a per-session secret
and the current time window (``WINDOW_SECONDS``) the way HOTP/TOTP derive
theirs (RFC 4226 dynamic truncation of an HMAC-SHA256).  The code of the
current window and of the previous one are accepted, so a participant who
typed the code just before it rotated is not refused.  A code is accepted only
while the session runs, from ``MARGIN`` before its start to ``MARGIN`` after its
end; outside that, the refusal says so rather than "wrong code".

The secret never leaves the server: the organiser's screen asks for the code
of the moment, participants only ever see the digits.  This module knows
nothing about tutorials, so multi-day events use it for their blocks too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import CheckinClosedError, CheckinNotOpenError, WrongCodeError

DIGITS = 6
WINDOW_SECONDS = 30
# How many earlier windows still count (1: the previous one).
GRACE_WINDOWS = 1
# Check-in opens this long before the start and closes this long after the end.
MARGIN = timedelta(minutes=15)
# Codes this many windows old are called "expired" in the message rather than "wrong".
_RECENT_WINDOWS = 20


def new_secret() -> str:
    """A per-session secret (160 bits, hex)."""
    return secrets.token_hex(20)


def window_of(at: datetime) -> int:
    return int(at.timestamp()) // WINDOW_SECONDS


def seconds_left(at: datetime) -> int:
    """Seconds until the code shown at ``at`` rotates (for the organiser's screen)."""
    return WINDOW_SECONDS - int(at.timestamp()) % WINDOW_SECONDS


def _code_for_window(secret: str, window: int) -> str:
    digest = hmac.new(secret.encode(), window.to_bytes(8, "big"), hashlib.sha256).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def code_now(secret: str, at: datetime | None = None) -> str:
    """The code to show at ``at`` (now by default)."""
    return _code_for_window(secret, window_of(at or timezone.now()))


def normalise(code: str) -> str:
    """What people type: spaces, dashes and full-width digits are forgiven."""
    return "".join(ch for ch in (code or "") if ch.isdigit()).translate(
        str.maketrans("０１２３４５６７８９", "0123456789")
    )


def _local(value: datetime, zone: ZoneInfo | None) -> str:
    return timezone.localtime(value, zone).strftime("%d.%m.%Y %H:%M")


def check_code(
    secret: str,
    code: str,
    at: datetime,
    starts_at: datetime,
    ends_at: datetime,
    *,
    zone: ZoneInfo | None = None,
) -> None:
    """Accept the code or raise a ``TutornetError`` that says what is wrong.

    Raises ``CheckinNotOpenError`` before the session's check-in opens,
    ``CheckinClosedError`` after it closes (a late code), and ``WrongCodeError``
    for a code that is not the current or the previous one.
    """
    opens, closes = starts_at - MARGIN, ends_at + MARGIN
    if at < opens:
        raise CheckinNotOpenError(
            _("Check-in opens at %(time)s.") % {"time": _local(opens, zone)}, field="code"
        )
    if at > closes:
        raise CheckinClosedError(
            _("Check-in for this session closed at %(time)s.") % {"time": _local(closes, zone)},
            field="code",
        )
    typed = normalise(code)
    if len(typed) != DIGITS:
        raise WrongCodeError(
            _("The code has %(digits)d digits: type it as it is shown on the screen.") % {"digits": DIGITS},
            field="code",
        )
    window = window_of(at)
    for back in range(GRACE_WINDOWS + 1):
        if hmac.compare_digest(typed, _code_for_window(secret, window - back)):
            return
    for back in range(GRACE_WINDOWS + 1, _RECENT_WINDOWS + 1):
        if hmac.compare_digest(typed, _code_for_window(secret, window - back)):
            raise WrongCodeError(
                _("This code has expired: type the code that is on the screen now."), field="code"
            )
    raise WrongCodeError(_("Wrong code: check the code on the screen and try again."), field="code")
