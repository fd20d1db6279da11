"""Passwords are hashed with Argon2id at OWASP's parameters; older PBKDF2 hashes still sign in
and are re-hashed with Argon2id then (bench/sign_in.py measures the difference)."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.test.utils import override_settings

from tests.conftest import District, member
from tutornet.hashers import Argon2idHasher

PRODUCTION_HASHERS = ["tutornet.hashers.Argon2idHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


def test_the_configured_hasher_is_argon2id_with_owasp_parameters(settings) -> None:  # type: ignore[no-untyped-def]
    assert settings.PASSWORD_HASHERS[
        settings.PASSWORD_HASHERS.index("tutornet.hashers.Argon2idHasher") + 1
    ] == ("django.contrib.auth.hashers.PBKDF2PasswordHasher")
    encoded = Argon2idHasher().encode("пароль-2026", Argon2idHasher().salt())
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


@pytest.mark.django_db
def test_a_pbkdf2_password_signs_in_and_is_rehashed_with_argon2id(district: District) -> None:
    user = member(district.school_a).user
    with override_settings(PASSWORD_HASHERS=PRODUCTION_HASHERS):
        user.password = make_password("старый-пароль-1", hasher="pbkdf2_sha256")
        user.save(update_fields=["password"])
        response = Client(HTTP_HOST="school1.localhost").post(
            "/accounts/login/", {"username": user.email, "password": "старый-пароль-1"}
        )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
