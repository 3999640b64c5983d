"""review: routing level by level, the clocks, decisions (docs/services.md, “review”).

Entrypoints stay thin: load (`review.store`), call a rule from `review.rules`, store, emit, and
append the decision to the audit chain (R-4.1) — all in one transaction. Every RPC that decides
takes the caller as `principal` ({sub, role, org, name}), as intake authenticated it, so each
decision names who made it; review checks that the principal acts within its scope and at the
application's current step (`review.route`), and refuses otherwise with nothing changed. Every
change of an application's status goes through `review.lifecycle`.

The service is composed of one class per area, each in its own module:
- `review.intake_events`: intake's submissions routed (first, resubmission, supplement) and
  withdrawals;
- `review.unit_step`: the unit's publicity, objections and recommendation;
- `review.levels`: a department's forwarding, and a return at any level;
- `review.formal`: the committee's formal review: accept, refuse, request a supplement;
- `review.told`: the 48 hours of a committee request started at the first delivery notify
  reports;
- `review.sweep`: the timer: the fallback start of untold requests, expired requests
  abandoned, paper reminders;
- `review.meetings`: meetings, recusals, ballots, and results posted;
- `review.results`: objections to results, re-checks and complaints, final results;
- `review.paper`: paper deliveries and checklists;
- `review.reads`: tasks, visibility and the view of an application;
- `review.admin`: organisations, season, calendar, sanctions, audit, exports.
"""
from __future__ import annotations

from plumbing.health import HealthMixin
from plumbing.metrics import Observed
from review.admin import Administration
from review.formal import FormalReview
from review.intake_events import IntakeEvents
from review.levels import Levels
from review.meetings import Meetings
from review.paper import PaperMaterials
from review.reads import Reads
from review.results import Results
from review.sweep import Sweep
from review.told import Told
from review.unit_step import UnitStep


class ReviewService(IntakeEvents, UnitStep, Levels, FormalReview, Told, Sweep, Meetings,
                    Results, PaperMaterials, Reads, Administration, HealthMixin, Observed):
    """The nameko service `review` (run as `review.service:ReviewService`)."""

    name = "review"
