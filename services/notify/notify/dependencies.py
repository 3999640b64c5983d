"""What notify's areas use, declared once (nameko binds each template per container).

An area names the ones it touches as class attributes, e.g.
`class Templates:\n    db, clock, catalogue = dependencies.db, dependencies.clock, ...`.
"""
from nameko.dependency_providers import Config

from notify import models as m
from notify.delivery import DeliveryEngine
from notify.templates import default_catalogue
from plumbing.clock import Clock
from plumbing.db import Database

db = Database(m.metadata)
clock = Clock()
config = Config()
catalogue = default_catalogue()  # the default templates and each event's variables
delivery = DeliveryEngine(catalogue)  # notify.delivery: attempt, record, retry, dead letter
