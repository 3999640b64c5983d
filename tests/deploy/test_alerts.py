"""The alert rules (deploy/prometheus/alerts.yml): valid for Prometheus, each alert firing on the
series that should raise it (promtool, from Debian's prometheus package: .ci/run fetches it),
every titles_* metric they read exported by the services, every alert explained to operators."""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
import yaml
from prometheus_client import REGISTRY

import plumbing.metrics  # noqa: F401 - registers every metric of the services
from plumbing.config import ROOT
from tests.support.infra import missing

PROMETHEUS = ROOT / "deploy" / "prometheus"
RULES = PROMETHEUS / "alerts.yml"


def promtool() -> str:
    found = os.environ.get("PROMTOOL") or shutil.which("promtool")
    local = ROOT / ".ci" / "tools" / "promtool"  # where .ci/run puts it
    if not found and local.exists():
        found = str(local)
    if not found:
        missing("promtool (Debian's prometheus package; .ci/run extracts it to .ci/tools)")
    return found


@pytest.mark.parametrize("args", [("check", "rules", "alerts.yml"),
                                  ("test", "rules", "alerts.test.yml"),
                                  ("check", "config", "prometheus.yml")],
                         ids=lambda a: " ".join(a[:2]))
def test_promtool_accepts_the_rules_and_their_tests(args):
    done = subprocess.run([promtool(), *args], cwd=PROMETHEUS, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def rules() -> list[dict]:
    return [r for g in yaml.safe_load(RULES.read_text("utf-8"))["groups"] for r in g["rules"]]


def exported() -> set[str]:
    """Every series name the services' registry can show (a labelled metric shows no sample
    before its first use: its suffixes come from its type)."""
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"),
                "gauge": ("",)}
    names = set()
    for family in REGISTRY.collect():
        names.update(family.name + s for s in suffixes.get(family.type, ("",)))
    return names


def test_every_titles_metric_an_alert_reads_is_exported():
    wanted = {name for r in rules() for name in re.findall(r"\btitles_[a-z_]+", r["expr"])}
    assert wanted, "the rules read no titles_* metric"
    assert wanted - exported() == set()


def test_every_alert_is_explained_in_the_operations_guide():
    guide = (ROOT / "docs" / "operations.md").read_text("utf-8")
    unexplained = [r["alert"] for r in rules() if f"`{r['alert']}`" not in guide]
    assert unexplained == []


def test_the_issues_four_alerts_are_there():
    """Outbox age, dead letters present, notification failures, a service down."""
    assert {"TitlesOutboxBehind", "TitlesDeadLettersPresent", "TitlesNotificationFailures",
            "TitlesServiceDown"} <= {r["alert"] for r in rules()}
