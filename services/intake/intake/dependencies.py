"""What intake's areas use, declared once: each area class names the ones it touches
(`db, clock = dependencies.db, dependencies.clock`). nameko binds each template per container,
so areas sharing one template share one dependency; `worker_factory(IntakeService, db=...)`
replaces them by these attribute names."""
from __future__ import annotations

from nameko.dependency_providers import Config

from intake import models as m
from intake.http.ratelimit import VerifyRateLimit
from plumbing.clock import Clock
from plumbing.db import Database
from plumbing.rpc import Rpc
from plumbing.storage import Storage

db = Database(m.metadata)  # intake's own tables (intake.models)
storage = Storage()  # the object store: attachments
clock = Clock()
config = Config()  # JWT_*, PII_KEY, MAX_UPLOAD_BYTES, VERIFY_*
review = Rpc("review")  # the staff desk, and who of review's roles may see an application
notify = Rpc("notify")  # what was sent; notification templates
documents = Rpc("documents")  # printed lists, rendered on request (D-4)
verify_rate = VerifyRateLimit()  # per-client budget of the public verification
