"""Video-consultation links: who gets one, when, and that the providers'
signatures verify by the providers' own documented algorithms.

The Jitsi token is decoded with PyJWT and the secret, like Prosody's token
plugin does; the BigBlueButton checksum is recomputed with hashlib from the
URL's query string and the shared secret, like bbb-web's ApiController does
(``checksum = sha1(callName + queryString + sharedSecret)``).  No test calls a
video server over the network.
"""

from __future__ import annotations

import hashlib
import socket
import string
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast
from urllib.parse import parse_qs, quote, urlsplit

import jwt
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation
from django_tenants.utils import tenant_context
from pytest_django import Settings

from accounts.models import Role, User
from consultations import video
from consultations.models import Booking, Offering, Slot
from tenants.models import Subject
from tests.conftest import District, member
from tests.consultations.factories import book_slot
from tests.factories import SubjectFactory

pytestmark = pytest.mark.django_db

JITSI_SECRET = "jitsi-shared-secret-for-tutornet-tests-0123456789"
BBB_SECRET = "639259d4-9dd8-4b25-bf01-95f9567eaf4b"
BBB_URL = "https://bbb.example.org/bigbluebutton/"


@dataclass
class Consultation:
    slot: Slot
    tutor: User
    teacher: User
    booking: Booking


@pytest.fixture
def centre(district: District) -> Iterator[District]:
    with tenant_context(district.centre):
        yield district


@pytest.fixture
def jitsi_plain(settings: Settings) -> None:
    settings.VIDEO_PROVIDER = "jitsi"
    settings.JITSI_HOST = "meet.example.org"
    settings.JITSI_APP_ID = "tutornet-test"
    settings.JITSI_SECRET = ""
    settings.VIDEO_JOIN_OPENS_MINUTES = 15


@pytest.fixture
def jitsi_jwt(jitsi_plain: None, settings: Settings) -> None:
    settings.JITSI_SECRET = JITSI_SECRET


@pytest.fixture
def bbb(settings: Settings) -> None:
    settings.VIDEO_PROVIDER = "bbb"
    settings.BBB_URL = BBB_URL
    settings.BBB_SECRET = BBB_SECRET
    settings.BBB_CHECKSUM_ALGORITHM = "sha1"
    settings.VIDEO_JOIN_OPENS_MINUTES = 15


def book(district: District, starts_at: datetime, *, mode: str = Offering.Mode.VIDEO) -> Consultation:
    """A tutor of the centre, a video slot of theirs and a teacher of school 1 booked on it."""
    tutor = member(district.centre, Role.TUTOR).user
    teacher = member(district.school_a, Role.TEACHER).user
    offering = Offering.objects.create(
        tutor=tutor,
        subject=cast(Subject, SubjectFactory()),
        mode=mode,
        place="" if mode == Offering.Mode.VIDEO else "каб. 12",
    )
    slot = Slot.objects.create(
        offering=offering,
        tutor=tutor,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=45),
        capacity=1,
        video_room=video.new_room_name() if mode == Offering.Mode.VIDEO else "",
    )
    # Booked through the service (its now= lets a slot minutes away be booked "back then").
    question = "Как выстроить индивидуальный маршрут?"
    booking = book_slot(slot, teacher, teacher_organisation=district.school_a, question=question)
    return Consultation(slot=slot, tutor=tutor, teacher=teacher, booking=booking)


def soon() -> datetime:
    """A start 5 minutes from now: the join window (15 minutes before) is open now,
    so tokens decode with PyJWT's own nbf/exp checks switched on."""
    return timezone.now().replace(microsecond=0) + timedelta(minutes=5)


def split_signed(url: str) -> tuple[str, str, str]:
    """(call name, query string without the checksum, checksum) of a BBB API URL."""
    parts = urlsplit(url)
    query, _, checksum = parts.query.rpartition("&checksum=")
    return parts.path.rsplit("/", 1)[-1], query, checksum


def bbb_checksum(call: str, query: str, secret: str, algorithm: str = "sha1") -> str:
    return hashlib.new(algorithm, (call + query + secret).encode()).hexdigest()


# --- rooms -----------------------------------------------------------------------------------


def test_room_names_are_url_safe_unguessable_and_never_repeat() -> None:
    names = {video.new_room_name() for _ in range(500)}
    assert len(names) == 500
    for name in names:
        assert name.startswith("tutornet-")
        suffix = name.removeprefix("tutornet-")
        assert len(suffix) == 20
        assert set(suffix) <= set(string.ascii_lowercase + string.digits)
        assert quote(name, safe="") == name


# --- who is a participant ----------------------------------------------------------------------


def test_the_tutor_moderates_the_booked_teacher_attends_and_nobody_else_takes_part(
    centre: District,
) -> None:
    c = book(centre, soon())
    outsider = member(centre.school_a, Role.TEACHER).user
    assert video.participant_role(c.slot, c.tutor) == "moderator"
    assert video.participant_role(c.slot, c.teacher) == "attendee"
    assert video.participant_role(c.slot, outsider) is None
    assert video.participant_role(c.slot, None) is None


def test_a_teacher_whose_booking_is_cancelled_gets_no_link(centre: District, jitsi_plain: None) -> None:
    c = book(centre, soon())
    assert video.join_url(slot=c.slot, user=c.teacher) is not None
    Booking.objects.filter(pk=c.booking.pk).update(
        status=Booking.Status.CANCELLED, cancelled_at=timezone.now(), cancelled_by=c.teacher
    )
    assert video.participant_role(c.slot, c.teacher) is None
    assert video.join_url(slot=c.slot, user=c.teacher) is None
    # the tutor keeps theirs: the slot itself is not cancelled
    assert video.join_url(slot=c.slot, user=c.tutor) is not None


def test_a_non_participant_gets_no_link_even_inside_the_window(centre: District, jitsi_jwt: None) -> None:
    c = book(centre, soon())
    outsider = member(centre.school_a, Role.TEACHER).user
    other_tutor = member(centre.centre, Role.TUTOR).user
    assert video.join_url(slot=c.slot, user=outsider) is None
    assert video.join_url(slot=c.slot, user=other_tutor) is None
    assert video.join_url(slot=c.slot, user=None) is None


def test_an_in_person_or_cancelled_slot_has_no_video_link(centre: District, jitsi_plain: None) -> None:
    in_person = book(centre, soon(), mode=Offering.Mode.IN_PERSON)
    assert video.join_url(slot=in_person.slot, user=in_person.tutor) is None
    c = book(centre, soon() + timedelta(hours=2))
    c.slot.is_cancelled = True
    assert video.join_url(slot=c.slot, user=c.tutor, now=c.slot.starts_at) is None


def test_an_attendee_is_never_made_moderator_by_the_caller(centre: District, jitsi_jwt: None) -> None:
    c = book(centre, soon())
    url = video.join_url(slot=c.slot, user=c.teacher, is_moderator=True)
    assert url is not None
    claims = jwt.decode(url.split("?jwt=")[1], JITSI_SECRET, algorithms=["HS256"], audience="jitsi")
    assert claims["moderator"] is False
    assert claims["context"]["user"]["moderator"] == "false"


# --- the join window ---------------------------------------------------------------------------


def test_the_link_appears_fifteen_minutes_before_the_start_and_disappears_after_the_end(
    centre: District, jitsi_plain: None
) -> None:
    starts = timezone.now().replace(microsecond=0) + timedelta(days=3)
    c = book(centre, starts)
    opens = starts - timedelta(minutes=15)
    assert video.join_opens_at(c.slot) == opens
    for user in (c.tutor, c.teacher):
        assert video.join_url(slot=c.slot, user=user, now=opens - timedelta(seconds=1)) is None
        assert video.join_url(slot=c.slot, user=user, now=opens) is not None
        assert video.join_url(slot=c.slot, user=user, now=starts + timedelta(minutes=20)) is not None
        assert video.join_url(slot=c.slot, user=user, now=c.slot.ends_at) is not None
        assert video.join_url(slot=c.slot, user=user, now=c.slot.ends_at + timedelta(seconds=1)) is None
    assert not video.is_join_open(c.slot, opens - timedelta(minutes=1))
    assert video.is_join_open(c.slot, opens)
    assert not video.is_join_open(c.slot, c.slot.ends_at + timedelta(minutes=1))


def test_the_window_follows_the_configured_minutes(
    centre: District, jitsi_plain: None, settings: Settings
) -> None:
    settings.VIDEO_JOIN_OPENS_MINUTES = 30
    starts = timezone.now().replace(microsecond=0) + timedelta(days=3)
    c = book(centre, starts)
    assert video.join_opens_at(c.slot) == starts - timedelta(minutes=30)
    assert video.join_url(slot=c.slot, user=c.teacher, now=starts - timedelta(minutes=29)) is not None
    assert video.join_url(slot=c.slot, user=c.teacher, now=starts - timedelta(minutes=31)) is None


def test_a_room_without_a_slot_gets_a_link_only_inside_its_window(jitsi_plain: None) -> None:
    starts = timezone.now().replace(microsecond=0) + timedelta(days=1)
    ends = starts + timedelta(hours=1)

    def link_at(now: datetime) -> str | None:
        return video.join_url_for_room(
            room="tutornet-helphour0000000000",
            display_name="Иванова Анна",
            email="anna@example.org",
            is_moderator=True,
            starts_at=starts,
            ends_at=ends,
            now=now,
        )

    assert link_at(starts - timedelta(minutes=16)) is None
    assert link_at(starts) == "https://meet.example.org/tutornet-helphour0000000000"
    assert link_at(ends + timedelta(minutes=1)) is None


# --- Jitsi -------------------------------------------------------------------------------------


def test_without_a_jitsi_secret_the_link_is_the_plain_room_url(centre: District, jitsi_plain: None) -> None:
    c = book(centre, soon())
    expected = f"https://meet.example.org/{c.slot.video_room}"
    assert video.join_url(slot=c.slot, user=c.tutor) == expected
    assert video.join_url(slot=c.slot, user=c.teacher) == expected


def test_jitsi_tokens_verify_with_the_secret_and_make_only_the_tutor_moderator(
    centre: District, jitsi_jwt: None
) -> None:
    c = book(centre, soon())
    tutor_url = video.join_url(slot=c.slot, user=c.tutor)
    teacher_url = video.join_url(slot=c.slot, user=c.teacher)
    assert tutor_url is not None and teacher_url is not None
    tokens = {}
    for who, url in (("tutor", tutor_url), ("teacher", teacher_url)):
        base, _, token = url.partition("?jwt=")
        assert base == f"https://meet.example.org/{c.slot.video_room}"
        assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
        # PyJWT checks the signature, aud, iss, nbf and exp, as Prosody's token plugin does.
        tokens[who] = jwt.decode(
            token,
            JITSI_SECRET,
            algorithms=["HS256"],
            audience="jitsi",
            issuer="tutornet-test",
            options={"require": ["aud", "iss", "sub", "room", "exp", "nbf"]},
        )
    for who, user in (("tutor", c.tutor), ("teacher", c.teacher)):
        claims = tokens[who]
        assert claims["sub"] == "meet.example.org"
        assert claims["room"] == c.slot.video_room
        assert claims["nbf"] == int((c.slot.starts_at - timedelta(minutes=15)).timestamp())
        assert claims["exp"] == int((c.slot.ends_at + video.JITSI_TOKEN_GRACE).timestamp())
        assert claims["context"]["user"]["email"] == user.email
        assert claims["context"]["user"]["name"] == user.get_full_name()
        assert claims["context"]["user"]["id"] == str(user.pk)
        assert all(isinstance(v, str) for v in claims["context"]["user"].values())
    assert tokens["tutor"]["moderator"] is True
    assert tokens["tutor"]["context"]["user"]["moderator"] == "true"
    assert tokens["tutor"]["context"]["user"]["affiliation"] == "owner"
    assert tokens["teacher"]["moderator"] is False
    assert tokens["teacher"]["context"]["user"]["moderator"] == "false"
    assert tokens["teacher"]["context"]["user"]["affiliation"] == "member"


def test_a_jitsi_token_does_not_verify_with_another_secret_or_once_altered(
    centre: District, jitsi_jwt: None
) -> None:
    c = book(centre, soon())
    url = video.join_url(slot=c.slot, user=c.teacher)
    assert url is not None
    token = url.split("?jwt=")[1]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "another-secret-of-at-least-32-bytes-long", algorithms=["HS256"], audience="jitsi")
    header, payload, signature = token.split(".")
    forged_claims = jwt.decode(token, options={"verify_signature": False})
    forged_claims["moderator"] = True
    forged_payload = jwt.encode(
        forged_claims, "an-attacker-secret-of-32-bytes-or-more", algorithm="HS256"
    ).split(".")[1]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            f"{header}.{forged_payload}.{signature}", JITSI_SECRET, algorithms=["HS256"], audience="jitsi"
        )


def test_a_jitsi_token_is_refused_once_the_consultation_is_long_over(jitsi_jwt: None) -> None:
    starts = timezone.now() - timedelta(hours=3)
    request = video.JoinRequest(
        room="tutornet-over0000000000000",
        display_name="Петров Сергей",
        email="sergey@example.org",
        user_id="7",
        is_moderator=False,
        not_before=starts - timedelta(minutes=15),
        ends_at=starts + timedelta(minutes=45),
    )
    provider = video.get_provider()
    assert isinstance(provider, video.JitsiProvider)
    token = provider.token(request)
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(token, JITSI_SECRET, algorithms=["HS256"], audience="jitsi")


# --- BigBlueButton -----------------------------------------------------------------------------


def test_bbb_checksum_matches_the_worked_example_of_the_api_documentation(bbb: None) -> None:
    provider = video.get_provider()
    assert isinstance(provider, video.BigBlueButtonProvider)
    query = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444"
    assert provider.checksum("create", query) == "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"
    url = provider.signed_url(
        "create",
        [
            ("name", "Test Meeting"),
            ("meetingID", "abc123"),
            ("attendeePW", "111222"),
            ("moderatorPW", "333444"),
        ],
    )
    checksum = "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"
    assert url == f"https://bbb.example.org/bigbluebutton/api/create?{query}&checksum={checksum}"


def test_bbb_join_urls_are_signed_and_give_the_tutor_moderator_and_the_teacher_viewer(
    centre: District, bbb: None
) -> None:
    c = book(centre, soon())
    create_url = video.ensure_meeting_url(c.slot.video_room, str(c.slot.offering))
    assert create_url is not None
    call, query, checksum = split_signed(create_url)
    assert call == "create"
    assert checksum == bbb_checksum("create", query, BBB_SECRET)
    created = {k: v[0] for k, v in parse_qs(query).items()}
    assert created["meetingID"] == c.slot.video_room
    assert created["name"] == str(c.slot.offering)
    assert created["moderatorPW"] != created["attendeePW"]

    for user, role, password in (
        (c.tutor, "MODERATOR", created["moderatorPW"]),
        (c.teacher, "VIEWER", created["attendeePW"]),
    ):
        url = video.join_url(slot=c.slot, user=user)
        assert url is not None
        assert url.startswith("https://bbb.example.org/bigbluebutton/api/join?")
        call, query, checksum = split_signed(url)
        assert call == "join"
        assert checksum == bbb_checksum("join", query, BBB_SECRET)
        assert checksum != bbb_checksum("join", query, "not-the-secret")
        params = {k: v[0] for k, v in parse_qs(query).items()}
        assert params["meetingID"] == c.slot.video_room
        assert params["fullName"] == user.get_full_name()
        assert params["role"] == role
        # servers before 2.4 decide by password: it matches the one create set
        assert params["password"] == password
        assert params["redirect"] == "true"


def test_an_altered_bbb_join_url_no_longer_matches_its_checksum(centre: District, bbb: None) -> None:
    c = book(centre, soon())
    url = video.join_url(slot=c.slot, user=c.teacher)
    assert url is not None
    _, query, checksum = split_signed(url)
    promoted = query.replace("role=VIEWER", "role=MODERATOR")
    assert promoted != query
    assert bbb_checksum("join", promoted, BBB_SECRET) != checksum


def test_bbb_checksums_use_sha256_when_configured(centre: District, bbb: None, settings: Settings) -> None:
    settings.BBB_CHECKSUM_ALGORITHM = "sha256"
    c = book(centre, soon())
    for url in (
        video.join_url(slot=c.slot, user=c.tutor),
        video.ensure_meeting_url(c.slot.video_room, "Консультация"),
    ):
        assert url is not None
        call, query, checksum = split_signed(url)
        assert len(checksum) == 64
        assert checksum == bbb_checksum(call, query, BBB_SECRET, "sha256")
        assert checksum != bbb_checksum(call, query, BBB_SECRET, "sha1")
        assert checksum != bbb_checksum(call, query, "wrong-secret", "sha256")


def test_bbb_links_follow_the_same_window_and_participants(centre: District, bbb: None) -> None:
    starts = timezone.now().replace(microsecond=0) + timedelta(days=2)
    c = book(centre, starts)
    outsider = member(centre.school_b, Role.TEACHER).user
    assert video.join_url(slot=c.slot, user=c.teacher, now=starts - timedelta(minutes=16)) is None
    assert video.join_url(slot=c.slot, user=c.teacher, now=starts) is not None
    assert video.join_url(slot=c.slot, user=outsider, now=starts) is None


def test_jitsi_needs_no_create_call(jitsi_plain: None) -> None:
    assert video.ensure_meeting_url("tutornet-any", "Any") is None
    video.ensure_meeting("tutornet-any", "Any")  # nothing to do, nothing raised


def test_an_unreachable_bbb_server_is_a_clear_error_not_a_crash(bbb: None, settings: Settings) -> None:
    # A port nobody listens on: the connection is refused at once, no HTTP exchange happens.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.BBB_URL = f"http://127.0.0.1:{port}/bigbluebutton/"
    with translation.override("en"), pytest.raises(video.VideoUnavailableError) as refused:
        video.ensure_meeting("tutornet-room", "Консультация")
    assert refused.value.status == 503
    assert refused.value.code == "video_unavailable"
    assert "not reachable" in refused.value.message


# --- settings ----------------------------------------------------------------------------------


def test_a_misconfigured_video_provider_fails_loudly(settings: Settings) -> None:
    settings.VIDEO_PROVIDER = "zoom"
    with pytest.raises(ImproperlyConfigured, match="VIDEO_PROVIDER"):
        video.get_provider()
    settings.VIDEO_PROVIDER = "bbb"
    settings.BBB_URL = BBB_URL
    settings.BBB_SECRET = ""
    with pytest.raises(ImproperlyConfigured, match="BBB_SECRET"):
        video.get_provider()
    settings.BBB_SECRET = BBB_SECRET
    settings.BBB_CHECKSUM_ALGORITHM = "md5"
    with pytest.raises(ImproperlyConfigured, match="BBB_CHECKSUM_ALGORITHM"):
        video.get_provider()


def test_the_default_video_settings_are_jitsi_without_tokens_and_a_fifteen_minute_window() -> None:
    from django.conf import settings

    assert settings.VIDEO_PROVIDER == "jitsi"
    assert settings.JITSI_HOST
    assert settings.JITSI_SECRET == ""
    assert settings.BBB_CHECKSUM_ALGORITHM == "sha1"
    assert settings.VIDEO_JOIN_OPENS_MINUTES == 15
    assert isinstance(video.get_provider(), video.JitsiProvider)
