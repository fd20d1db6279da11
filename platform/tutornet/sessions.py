"""Sessions: PostgreSQL holds them, Redis keeps a copy that every request reads first.

Every signed-in request used to read its session row (and then its user) from the public
schema: one of the two statements ``AuthenticationMiddleware`` costs (bench/README.md,
«September morning»: ≈ 19 % of a save's CPU in the server went to these two reads).
Django's ``cached_db`` store reads a cached copy instead, with three changes here:

- The cache is its own alias (``SESSION_CACHE_ALIAS``, settings) whose keys do NOT carry the
  schema: sessions live in one table of the public schema and one cookie serves every portal
  of the base domain, so a sign-out on a school's host must remove the copy the centre's host
  reads (the default alias's keys are per schema: they would not).
- A copy lives at most ``SESSION_CACHE_SECONDS``; the row stays the truth.
- Redis unreachable: reading falls back to the row, and writing the copy is skipped.  Deleting
  a session (sign-out: ``flush``) removes the copy FIRST and refuses, changing nothing, when it
  cannot (``SessionCopyUnreachable``; the sign-out page says so): a sign-out must never leave a
  copy that would still sign the browser in.  Only the
  old key that ``cycle_key`` (sign-in) retires may keep a copy until it expires: it holds the
  same person's or an anonymous session's data, never another person's.

The user is still read from the database on every request, so a changed password (the
session's hash no longer matches) or a deactivated account signs the sessions out at once,
as before.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore

logger = logging.getLogger(__name__)


class SessionCopyUnreachable(Exception):
    """The session's copy could not be removed (Redis unreachable): the sign-out changed nothing."""


class SessionStore(CachedDBStore):
    # Django's private members this store uses (its stubs do not declare them).
    _cache: Any
    _session: dict[str, Any]
    _get_session_from_db: Any

    def _copy_seconds(self, **kwargs: Any) -> int:
        return min(self.get_expiry_age(**kwargs), settings.SESSION_CACHE_SECONDS)

    def load(self) -> dict[str, Any]:
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # Redis unreachable (or a bad key): the row decides
            data, reachable = None, False
        else:
            reachable = True
        if data is not None:
            return data
        row = self._get_session_from_db()
        if not row:
            return {}
        data = self.decode(row.session_data)
        if reachable:
            with suppress(Exception):
                self._cache.set(self.cache_key, data, self._copy_seconds(expiry=row.expire_date))
        return data

    def exists(self, session_key: str) -> bool:
        return DBStore.exists(self, session_key)  # the row is the truth (a new key's collision check)

    def save(self, must_create: bool = False) -> None:
        DBStore.save(self, must_create)
        try:
            self._cache.set(self.cache_key, self._session, self._copy_seconds())
        except Exception:
            logger.exception("session copy not written (%s)", self._cache)
            with suppress(Exception):
                self._cache.delete(self.cache_key)  # an older copy must not outlive the change

    def delete(self, session_key: str | None = None) -> None:
        self._delete(session_key, strict=True)

    def cycle_key(self) -> None:
        data, old = self._session, self.session_key
        self.create()
        self._session_cache = data
        if old:
            self._delete(old, strict=False)

    def _delete(self, session_key: str | None, *, strict: bool) -> None:
        key = session_key or self.session_key
        if key is None:
            return
        try:
            self._cache.delete(self.cache_key_prefix + key)
        except Exception as exc:
            if strict:  # nothing changed: the sign-out is refused, not half done
                raise SessionCopyUnreachable(str(exc)) from exc
            logger.exception("retired session copy not deleted (%s)", self._cache)
        DBStore.delete(self, key)
        with suppress(Exception):  # a request that read the row meanwhile may have copied it again
            self._cache.delete(self.cache_key_prefix + key)
