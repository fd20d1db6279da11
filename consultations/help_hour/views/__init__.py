"""The Help Hour pages, under /consultations/help-hour/ on an organisation's site.

* On a school's site its staff file requests, follow them (status, timeline,
  session, outcome), answer clarifications, withdraw, join and rate.
* On the centre's site the methodologists work the queue, schedule and merge
  sessions and see the figures; tutors see their requests and sessions, mark
  them held, record the outcome and close them.

Views are thin: ``permissions`` decides who may open a page, one service or
selector does the work (they enter the centre's schema themselves), a
``TutornetError`` becomes a form error or a message, a missing or another
school's request a 404 and a refused action a 403 page; never a 500.  The
actor's ``membership`` is the one of this site's organisation
(``request.membership``).  Times are shown in this organisation's time zone.
"""

from ._common import index
from .centre import (
    centre_request,
    centre_request_action,
    export_download,
    export_status,
    figures,
    queue,
    schedule,
    session_page,
    tutor_page,
)
from .school import (
    document,
    outcome_file,
    request_edit,
    request_new,
    school_list,
    school_request,
    school_request_action,
    session_join,
    session_rate,
)

__all__ = [
    "centre_request",
    "centre_request_action",
    "document",
    "export_download",
    "export_status",
    "figures",
    "index",
    "outcome_file",
    "queue",
    "request_edit",
    "request_new",
    "schedule",
    "school_list",
    "school_request",
    "school_request_action",
    "session_join",
    "session_page",
    "session_rate",
    "tutor_page",
]
