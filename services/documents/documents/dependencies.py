"""What documents' areas use, declared once (nameko binds each template per container).

An area names the ones it touches as class attributes, e.g.
`class PrintedLists:\n    db, clock, config = dependencies.db, dependencies.clock, ...`.
"""
from nameko.dependency_providers import Config

from documents import models as m
from plumbing.clock import Clock
from plumbing.db import Database
from plumbing.storage import Storage

db = Database(m.metadata)
storage = Storage()  # the object store: attachments in, PDFs out
clock = Clock()
config = Config()  # DOCUMENT_SECRET, VERIFY_URL_BASE
