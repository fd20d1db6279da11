"""Settings for a plain ``pytest`` run (pyproject's DJANGO_SETTINGS_MODULE).

The project's settings refuse the built-in development SECRET_KEY with DEBUG off
(tutornet/settings), so the tests bring a key of their own: random per run, put in
the environment so that the processes the live stack starts (uvicorn, Celery) sign
with the same key.  ``./run test`` gives one already (tutornet/launcher.py).
"""

import os
import secrets

os.environ.setdefault("SECRET_KEY", "tests-only-" + secrets.token_urlsafe(48))

from tutornet.settings import *  # noqa: E402,F403
