"""Settings for the benchmarks: the project's own, plus a bench-only page and a
connection pool.

* ``bench/ping`` is added in front of the organisation site's URLs.  The
  middleware stack is the project's, unchanged.
* Database connections come from psycopg's pool.  The project's default,
  persistent connections (``CONN_MAX_AGE=60``), leaks one connection per request
  under ASGI: Django runs each request's sync code in a new thread, and
  connections are per thread, so a load of a few hundred requests exhausted
  PostgreSQL's 100 connection slots here ("too many clients").  See bench/README.md.
"""

from tutornet.settings import *  # noqa: F403
from tutornet.settings import DATABASES

ROOT_URLCONF = "bench.bench_urls"

DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": 8, "timeout": 10}
