"""The dependencies review's areas use, each declared once here; an area class names the ones it
touches (`db, clock = dependencies.db, dependencies.clock`). nameko binds a template per
container, so sharing one object between areas is fine, and `worker_factory(ReviewService,
db=..., clock=...)` replaces them by these attribute names."""
from plumbing.clock import Clock
from plumbing.db import Database
from review import models as m

db = Database(m.metadata)  # review's own database, its outbox relay and consumed events
clock = Clock()  # now, as an aware instant (tests move it)
