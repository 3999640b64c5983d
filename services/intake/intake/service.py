"""intake: the only HTTP API of the platform frontend (docs/services.md), composed of one class
per area of the API, each in its own module:

- `intake.applications` — drafts: open, list, read, save part of an application (申报);
- `intake.submissions` — submit and resubmit, answer a supplement request, withdraw; the
  history, frozen versions and what changed between two;
- `intake.attachments` — uploads (streamed PUT, presigned POST and its confirmation);
- `intake.projection` — documents' and review's events projected onto the application;
- `intake.admin` — seasons (评审年度), over RPC and HTTP;
- `intake.http.staff` — the reviewers', committee's and administrators' desks, delegating to
  review over RPC; `intake.http.lists` — lists printed on request by documents;
- `intake.http.notifications` — what notify sent, and its templates;
- `intake.http.public` — health, the OpenAPI document, verification of printed documents (a
  page for a browser, JSON for an API client); `intake.http.results` — the committees' posted
  results, public during their publicity;
- `intake.http.forms` — the seasons and each season's form as JSON Schema, for a frontend;
- `intake.http.downloads` — documents, attachments' checked copies, and 附件1/附件2 for a draft.

Every route is declared with `intake.http.server.http`: the edge below the endpoints answers
unknown routes and methods as problem details, OPTIONS and CORS.

Entrypoints stay thin: authenticate (`intake.http.auth`), load (`intake.store`, who may see it:
`intake.access`), call a rule (`intake.rules`), move the status (`intake.lifecycle`), store,
emit. The dependencies every area names are declared once in `intake.dependencies`.
"""
from __future__ import annotations

from intake.admin import Seasons
from intake.applications import Applications
from intake.attachments import Attachments
from intake.http.downloads import Downloads
from intake.http.forms import Forms
from intake.http.lists import PrintedLists
from intake.http.notifications import Notifications
from intake.http.public import Public
from intake.http.results import PublicResults
from intake.http.staff import AdminDesk, ReviewDesk
from intake.projection import Projection
from intake.submissions import Submissions
from plumbing.health import HealthMixin
from plumbing.metrics import Observed


class IntakeService(Applications, Submissions, Attachments, Downloads, Projection, Seasons,
                    Forms, ReviewDesk, AdminDesk, PrintedLists, Notifications, Public,
                    PublicResults, HealthMixin, Observed):
    """The nameko service `intake` (run as `intake.service:IntakeService`)."""
    name = "intake"
