"""`titles`: the operator's command for every service, one module per group of commands.

  titles migrate <service>            upgrade the service's database to head
  titles topology                     declare every exchange and queue of the contracts
  titles buckets                      create the object-store buckets
  titles health <service>             exit 0 when the service answers
  titles deadletters list <service>   show what failed every retry
  titles deadletters replay <service> [--event-id ID]
  titles queues status                what state each queue of the topology is in
  titles queues migrate [--dry-run]   move classic queues of an earlier deployment, and their
                                      messages, onto quorum queues (services stopped)
  titles load-season <file>           validate and load a season (intake and review)
  titles load-orgs <file|dir>         organisations and committees (review) from YAML, XLSX or
                                      a directory of CSV tables (review.orgs)
  titles load-calendar <file>         holiday/make-up overrides, YAML {date: working} (R-2.3)
  titles audit verify                 check review's hash-chained audit trail (R-4.1); exit 1
                                      and name the first bad entry when one was edited
  titles audit export [--format json|csv|xlsx] [--out FILE]   the audit trail (R-4.1)
  titles export tasks|results|paper|sanctions [--org ID] [--format json|csv|xlsx] [--out FILE]
                                      review's lists for offices that work in spreadsheets
  titles token --role R --sub S [--org O] [--phone P]   a development bearer token (HS256 only)
  titles run-local                    run everything as local processes (no Docker)
  titles clock show|advance 5d|reset  move a drill deployment's clock (DRILL=true only)
  titles demo                         walk one application through the running local system
  titles backup DIR [--keep N]        every database and both buckets, with a checksummed manifest
  titles restore DIR/<backup> [--only-check]   check a backup, then put it back

Each module of this package (`operations`, `broker`, `data`, `dev`, `clock`, `demo`, `backup`)
adds its commands with `register`; a command's function gets the parsed arguments and returns the
exit code.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from plumbing.cli import backup, broker, clock, data, demo, dev, operations

GROUPS = (operations, broker, data, dev, clock, demo, backup)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="titles", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.register(sub)
    return parser


def subcommands() -> frozenset[str]:
    """Every `titles` subcommand (the deployment tests check commands against it)."""
    parser = build_parser()
    return frozenset(next(a for a in parser._actions
                          if isinstance(a, argparse._SubParsersAction)).choices)


def main(argv: list[str] | None = None) -> int:
    import warnings

    # eventlet (under nameko) warns of its own deprecation on import: known (README, Known
    # traps), and noise on every command an operator runs.
    warnings.filterwarnings("ignore", message="\\s*Eventlet is deprecated")
    args = build_parser().parse_args(argv)
    # Secrets from *_FILE always; in production the settings check too, except for a health
    # check (a probe, not a start).
    from plumbing import settings

    status = settings.enforce(os.environ, None, f"titles {args.command}",
                              check=getattr(args, "check_settings", True))
    if status:
        return status

    from contracts.errors import Refusal

    try:
        return args.run(args) or 0
    except Refusal as refusal:
        print(json.dumps(refusal.to_dict(), ensure_ascii=False, indent=2), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
