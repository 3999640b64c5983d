"""review: routing level by level, the clocks, decisions (ARCHITECTURE.md §1).

Entrypoints stay thin: load (`review.store`), call a rule from `review.rules`, store, emit, and
append the decision to the audit chain (R-4.1) — all in one transaction. Every RPC that decides
takes the caller as `principal` ({sub, role, org, name}), as intake authenticated it, so each
decision names who made it; review checks that the principal acts within its scope and at the
application's current step, and refuses otherwise with nothing changed.

The service is composed of one class per area, each in its own module:
`review.base` (name, dependencies, who may act at a step, tasks level by level),
`review.steps` (the route: submissions, unit publicity and recommendation, forwarding, returns,
withdrawals, what reviewers see), `review.formal` (the committee's formal review, supplements and
the sweep), `review.meetings` (meetings, ballots, results, cases), `review.paper` (paper
materials) and `review.admin` (organisations, season, calendar, sanctions, audit, exports).
"""
from __future__ import annotations

from review.admin import Administration
from review.base import ReviewBase, UnknownUnit, step_name
from review.formal import FormalReview
from review.meetings import Meetings
from review.paper import PaperMaterials
from review.steps import RouteSteps

__all__ = ["ReviewService", "UnknownUnit", "step_name"]


class ReviewService(ReviewBase, Administration, RouteSteps, FormalReview, Meetings,
                    PaperMaterials):
    """The nameko service `review` (run as `review.service:ReviewService`)."""
