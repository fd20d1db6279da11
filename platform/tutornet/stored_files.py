"""Files saved inside a transaction are removed again when it rolls back.

Storage is not transactional: a refusal after a file was saved, or a failed commit, would leave
a file behind that no row names.  A service saves its files with ``file_save`` (or reports a file
it saved with ``file_written``) inside ``files_removed_on_rollback()``, and the block deletes them
when it ends with an exception.  Blocks nest: the files of an inner block that succeeded are handed
to the outer one, so an outer rollback removes them too.  ``atomic_with_files`` is the same for a
whole service function, with its transaction.

Django has no hook for the rollback of a transaction opened outside every such block: a caller
that wraps a service in a bare ``atomic`` and rolls back after the service returned is not
covered.  Views, the API and tasks call the services outside any transaction (no
ATOMIC_REQUESTS), so the services' own blocks are the outermost.

Files are remembered by absolute path: the tenant storage resolves a name against the schema
active when it is used, and a service may save into one schema and fail in another.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from django.core.files import File
from django.db import transaction
from django.db.models.fields.files import FieldFile

logger = logging.getLogger(__name__)

_P = ParamSpec("_P")
_R = TypeVar("_R")

_written: ContextVar[list[str] | None] = ContextVar("tutornet_files_written", default=None)


def file_written(field_file: FieldFile) -> None:
    """Remember a file just saved to storage, for the enclosing ``files_removed_on_rollback``."""
    pending = _written.get()
    if pending is not None and field_file.name:
        pending.append(field_file.path)


def file_save(field_file: FieldFile, name: str, content: File) -> None:
    """Save ``content`` as ``field_file`` (not the row) and remember it (``file_written``)."""
    field_file.save(name, content, save=False)
    file_written(field_file)


@contextmanager
def files_removed_on_rollback() -> Iterator[None]:
    """The files saved inside are deleted when the block ends with an exception."""
    mine: list[str] = []
    outer = _written.get()
    token = _written.set(mine)
    try:
        yield
    except BaseException:
        for path in mine:
            try:
                os.remove(path)
            except FileNotFoundError:
                pass
            except OSError:
                logger.warning("Could not remove %s after a rollback", path, exc_info=True)
        raise
    else:
        if outer is not None:
            outer.extend(mine)
    finally:
        _written.reset(token)


def atomic_with_files(service: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``service`` in its own transaction inside ``files_removed_on_rollback``."""

    @functools.wraps(service)
    def wrapped(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with files_removed_on_rollback(), transaction.atomic():
            return service(*args, **kwargs)

    return wrapped
