# nameko's pytest plugin no longer monkey-patches (ARCHITECTURE.md §4): do it before anything
# imports socket, threading or psycopg2.
import eventlet

eventlet.monkey_patch()

pytest_plugins = ["tests.support.infra"]
