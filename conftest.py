# nameko's pytest plugin no longer monkey-patches (README, Known traps): do it before anything
# imports socket, threading or psycopg2.
import eventlet

eventlet.monkey_patch()

# psycopg2 decides at connect time whether a connection is green; make every one green, or a
# connection opened before a service container sets the wait callback deadlocks after it.
from plumbing.db import make_psycopg2_green  # noqa: E402

make_psycopg2_green()

pytest_plugins = ["tests.support.infra"]
