"""REST API of the case-material bank: search, materials, versions, moderation, engagement, files.

The bank is the one of the organisation served on this host (a school's own
bank, or the district bank on the centre's host, open to every school of the
district).  One small view per operation with its own input and output
serializers; reads are ``casebank.selectors``, writes ``casebank.services`` —
the same ones the HTML pages call.  Visibility is decided inside them: a
material (or file) the caller may not see is a 404 exactly like a missing one;
a refused action is a 403; a wrong value a 400 naming the field; a step in the
wrong moderation state a 409.

By subdomain: ``materials`` (search, materials, versions, similar, files), ``moderation``,
``engagement`` (ratings, favourites, comments); ``serializers`` and ``common`` are shared.
"""
