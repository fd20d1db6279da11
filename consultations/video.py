"""Video-consultation rooms and join links (issue 3, "Video").

A video slot gets an unguessable room name when it is generated
(:func:`new_room_name`, stored in ``Slot.video_room``).  Each participant gets
their own join link from the provider chosen by ``settings.VIDEO_PROVIDER``:

* **Jitsi Meet** (``"jitsi"``): ``https://<JITSI_HOST>/<room>``.  When
  ``JITSI_SECRET`` is set (a self-hosted Jitsi with token authentication,
  ``jitsi-meet-tokens``), the link carries ``?jwt=<token>``: an HS256 token in
  the shape lib-jitsi-meet's ``doc/tokens.md`` documents (``aud``, ``iss`` = the
  application id, ``sub`` = the Jitsi domain, ``room``, ``nbf``, ``exp``,
  ``context.user``).  One token per participant; the tutor's says moderator.
* **BigBlueButton** (``"bbb"``): API calls signed as the BBB API documents
  ("API Security Model"): ``checksum = sha1(callName + queryString +
  sharedSecret)`` in hex, appended as ``&checksum=``; sha256 (and, from BBB
  2.5, sha384/sha512) when ``BBB_CHECKSUM_ALGORITHM`` says so.  Participants
  get a signed ``join`` URL (tutor MODERATOR, teacher VIEWER).  A BBB meeting
  must exist before anyone joins: the page that sends a participant to the
  room calls :func:`ensure_meeting` first (the ``create`` call is idempotent,
  so calling it for every participant is safe and the order of arrival does
  not matter).

Who gets a link: the slot's tutor (moderator) and teachers with a booking on
the slot that is not cancelled (attendees), see :func:`participant_role`; and
only from ``VIDEO_JOIN_OPENS_MINUTES`` before the start until the end, see
:func:`is_join_open`.  Everyone else gets ``None``.

:func:`join_url_for_room` builds a link without a Slot, so other features
(the help-hour sessions) reuse the same providers.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol
from urllib.parse import urlencode, urlsplit
from xml.etree import ElementTree

import jwt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext as _

from tutornet.errors import TutornetError

if TYPE_CHECKING:
    from accounts.models import User
    from consultations.models import Slot

Role = Literal["moderator", "attendee"]

ROOM_PREFIX = "tutornet-"
# Lowercase letters and digits only: Jitsi compares room names case-insensitively
# (XMPP room addresses are lowercased), so mixed case would buy no entropy.
_ROOM_ALPHABET = string.ascii_lowercase + string.digits
_ROOM_RANDOM_LENGTH = 20  # 36**20 ≈ 2**103

# A Jitsi token stays valid this long after the scheduled end, so a consultation
# that overruns a little can still be rejoined after a dropped connection.
JITSI_TOKEN_GRACE = timedelta(minutes=30)

BBB_CHECKSUM_ALGORITHMS = ("sha1", "sha256", "sha384", "sha512")


class VideoUnavailableError(TutornetError):
    """The video service could not be reached or refused the call."""

    status = 503
    code = "video_unavailable"


# --- rooms and who may enter them -----------------------------------------------------------


def new_room_name() -> str:
    """An unguessable, URL-safe room name: knowing one room tells nothing of another."""
    return ROOM_PREFIX + "".join(secrets.choice(_ROOM_ALPHABET) for _ in range(_ROOM_RANDOM_LENGTH))


def participant_role(slot: Slot, user: User | None) -> Role | None:
    """The slot's tutor moderates; a teacher with a booking on it that is not
    cancelled attends; anyone else (and an anonymous visitor) is not a participant."""
    if user is None or not user.is_authenticated:
        return None
    if slot.tutor_id == user.pk:
        return "moderator"
    from consultations.models import Booking

    if slot.bookings.filter(teacher=user).exclude(status=Booking.Status.CANCELLED).exists():
        return "attendee"
    return None


def join_opens_at(slot: Slot) -> datetime:
    """When the join link appears (pages say so until then)."""
    return _opens_at(slot.starts_at)


def is_join_open(slot: Slot, now: datetime | None = None) -> bool:
    """True from ``VIDEO_JOIN_OPENS_MINUTES`` before the start until the end, both included."""
    return join_window_open(slot.starts_at, slot.ends_at, now or timezone.now())


def join_url(
    *,
    slot: Slot,
    user: User | None,
    is_moderator: bool | None = None,
    display_name: str | None = None,
    now: datetime | None = None,
) -> str | None:
    """This user's join link for a video slot, or ``None``.

    ``None`` for an in-person or cancelled slot, for a non-participant, and
    outside the join window.  The role comes from :func:`participant_role`;
    ``is_moderator=False`` lets a caller send even the tutor in as an attendee,
    but no argument makes an attendee a moderator.
    """
    if not slot.video_room or slot.is_cancelled:
        return None
    role = participant_role(slot, user)
    if role is None or user is None:
        return None
    moderator = role == "moderator" and is_moderator is not False
    return join_url_for_room(
        room=slot.video_room,
        display_name=display_name or user.get_full_name() or user.email,
        email=user.email,
        is_moderator=moderator,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        now=now,
        user_id=str(user.pk),
    )


def join_url_for_room(
    *,
    room: str,
    display_name: str,
    email: str,
    is_moderator: bool,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime | None = None,
    user_id: str = "",
) -> str | None:
    """A provider's join link for any room (no Slot needed), or ``None`` outside
    the window.  The caller has already decided that this person takes part."""
    if not room or not join_window_open(starts_at, ends_at, now or timezone.now()):
        return None
    return get_provider().join_url(
        JoinRequest(
            room=room,
            display_name=display_name,
            email=email,
            user_id=user_id,
            is_moderator=is_moderator,
            not_before=_opens_at(starts_at),
            ends_at=ends_at,
        )
    )


def ensure_meeting_url(room: str, name: str) -> str | None:
    """The signed BigBlueButton ``create`` URL for a room; ``None`` when the
    provider needs no create call (Jitsi makes rooms on first entry)."""
    provider = get_provider()
    if isinstance(provider, BigBlueButtonProvider):
        return provider.create_url(room=room, name=name)
    return None


def ensure_meeting(room: str, name: str) -> None:
    """Make sure the room exists before a participant is sent to it.

    BigBlueButton: calls ``create`` (idempotent) over HTTP with a short timeout;
    a failure becomes :class:`VideoUnavailableError` with a message the page can
    show.  Jitsi: nothing to do.
    """
    provider = get_provider()
    if isinstance(provider, BigBlueButtonProvider):
        provider.create(room=room, name=name)


# --- providers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class JoinRequest:
    room: str
    display_name: str
    email: str
    user_id: str
    is_moderator: bool
    not_before: datetime
    ends_at: datetime


class VideoProvider(Protocol):
    name: str

    def join_url(self, request: JoinRequest) -> str: ...


@dataclass(frozen=True)
class JitsiProvider:
    host: str
    app_id: str
    secret: str = ""
    name: str = "jitsi"

    @property
    def base_url(self) -> str:
        host = self.host.strip().rstrip("/")
        return host if "://" in host else f"https://{host}"

    @property
    def domain(self) -> str:
        """The ``sub`` claim: the lowercase domain rooms are served on (no scheme, no port)."""
        return (urlsplit(self.base_url).hostname or "").lower()

    def join_url(self, request: JoinRequest) -> str:
        url = f"{self.base_url}/{request.room}"
        if not self.secret:
            return url
        return f"{url}?jwt={self.token(request)}"

    def claims(self, request: JoinRequest) -> dict[str, object]:
        return {
            "aud": "jitsi",
            "iss": self.app_id,
            "sub": self.domain,
            "room": request.room,
            "iat": int(timezone.now().timestamp()),
            "nbf": int(request.not_before.timestamp()),
            "exp": int((request.ends_at + JITSI_TOKEN_GRACE).timestamp()),
            "context": {
                # lib-jitsi-meet's tokens.md: every field of `user` must be a string.
                "user": {
                    "id": request.user_id,
                    "name": request.display_name,
                    "email": request.email,
                    "moderator": "true" if request.is_moderator else "false",
                    # read by the token-affiliation Prosody module
                    "affiliation": "owner" if request.is_moderator else "member",
                },
            },
            # read by the widely used token_moderation Prosody module
            "moderator": request.is_moderator,
        }

    def token(self, request: JoinRequest) -> str:
        return jwt.encode(self.claims(request), self.secret, algorithm="HS256", headers={"typ": "JWT"})


@dataclass(frozen=True)
class BigBlueButtonProvider:
    url: str
    secret: str
    checksum_algorithm: str = "sha1"
    timeout: float = 5.0
    name: str = "bbb"

    @property
    def api_url(self) -> str:
        base = self.url.rstrip("/")
        if not base.endswith("/api"):
            base += "/api"
        return base + "/"

    def checksum(self, call: str, query: str) -> str:
        data = (call + query + self.secret).encode()
        return hashlib.new(self.checksum_algorithm, data).hexdigest()

    def signed_url(self, call: str, params: list[tuple[str, str]]) -> str:
        query = urlencode(params)
        return f"{self.api_url}{call}?{query}&checksum={self.checksum(call, query)}"

    def password(self, room: str, role: Role) -> str:
        """The room's moderator/attendee password for BBB servers before 2.4
        (which know no `role`): derived from the secret, so `create` and `join`
        agree without storing anything."""
        message = f"{room}:{role}".encode()
        return hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest()[:24]

    def create_url(self, *, room: str, name: str) -> str:
        return self.signed_url(
            "create",
            [
                ("meetingID", room),
                ("name", name or room),
                ("attendeePW", self.password(room, "attendee")),
                ("moderatorPW", self.password(room, "moderator")),
            ],
        )

    def join_url(self, request: JoinRequest) -> str:
        role: Role = "moderator" if request.is_moderator else "attendee"
        params = [
            ("fullName", request.display_name),
            ("meetingID", request.room),
            # BBB >= 2.4 takes `role` (it overrides the password); older servers the password.
            ("role", "MODERATOR" if request.is_moderator else "VIEWER"),
            ("password", self.password(request.room, role)),
        ]
        if request.user_id:
            params.append(("userID", request.user_id))
        params.append(("redirect", "true"))
        return self.signed_url("join", params)

    def create(self, *, room: str, name: str) -> None:
        url = self.create_url(room=room, name=name)
        try:
            # The URL is built from settings.BBB_URL (http/https), never from user input.
            with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310
                body = response.read()
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise VideoUnavailableError(
                _("The video-conference server is not reachable. Try again in a minute.")
            ) from exc
        try:
            root = ElementTree.fromstring(body)  # noqa: S314 (our own server's reply)
        except ElementTree.ParseError as exc:
            raise VideoUnavailableError(_("The video-conference server gave an unreadable answer.")) from exc
        if (root.findtext("returncode") or "").strip() != "SUCCESS":
            raise VideoUnavailableError(
                _("The video-conference server refused to open the room: %(reason)s")
                % {"reason": root.findtext("message") or root.findtext("messageKey") or "?"}
            )


def get_provider() -> JitsiProvider | BigBlueButtonProvider:
    """The provider ``settings.VIDEO_PROVIDER`` names; a misconfiguration fails loudly."""
    provider = (settings.VIDEO_PROVIDER or "jitsi").strip().lower()
    if provider == "jitsi":
        if not settings.JITSI_HOST:
            raise ImproperlyConfigured("VIDEO_PROVIDER is 'jitsi' but JITSI_HOST is empty.")
        if settings.JITSI_SECRET and not settings.JITSI_APP_ID:
            raise ImproperlyConfigured("JITSI_SECRET is set but JITSI_APP_ID is empty.")
        return JitsiProvider(
            host=settings.JITSI_HOST, app_id=settings.JITSI_APP_ID, secret=settings.JITSI_SECRET
        )
    if provider in {"bbb", "bigbluebutton"}:
        if not settings.BBB_URL or not settings.BBB_SECRET:
            raise ImproperlyConfigured("VIDEO_PROVIDER is 'bbb' but BBB_URL or BBB_SECRET is empty.")
        algorithm = (settings.BBB_CHECKSUM_ALGORITHM or "sha1").strip().lower()
        if algorithm not in BBB_CHECKSUM_ALGORITHMS:
            allowed = ", ".join(BBB_CHECKSUM_ALGORITHMS)
            raise ImproperlyConfigured(f"BBB_CHECKSUM_ALGORITHM must be one of {allowed}, not {algorithm!r}.")
        return BigBlueButtonProvider(
            url=settings.BBB_URL,
            secret=settings.BBB_SECRET,
            checksum_algorithm=algorithm,
            timeout=float(getattr(settings, "BBB_TIMEOUT_SECONDS", 5)),
        )
    raise ImproperlyConfigured(f"Unknown VIDEO_PROVIDER {settings.VIDEO_PROVIDER!r}: use 'jitsi' or 'bbb'.")


# --- the join window ------------------------------------------------------------------------


def _opens_at(starts_at: datetime) -> datetime:
    return starts_at - timedelta(minutes=settings.VIDEO_JOIN_OPENS_MINUTES)


def join_window_open(starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    """Whether the room may be joined at ``now``: from the opening minutes before the start to the end."""
    return _opens_at(starts_at) <= now <= ends_at
