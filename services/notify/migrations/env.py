from notify.models import metadata
from plumbing.migrations import run

run(metadata)
