"""The Methodological Help Hour (Час методической помощи), issue 4.

Schools file requests to their centre; the centre's methodologists triage them,
merge them into sessions held by tutors; the tutor records the outcome and the
participants rate it.  Everything lives in the CENTRE's schema with the
requesting school's id (ARCHITECTURE 2): services called from a school's host
enter the centre's schema explicitly (``schema_context``), see ``services``.

Modules: ``models`` (data and database-held invariants), ``workflow`` (the
state machine), ``permissions``, ``files`` (document checks), ``services``
(every write), ``selectors`` (reads), ``notify`` (the outbox), ``stats`` and
``tasks`` (the XLSX export).
"""
