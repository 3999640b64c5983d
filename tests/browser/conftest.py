"""The browser test's own cluster (the system tests' fixtures, in this package's scope)."""
from tests.system.conftest import (cluster_overrides, loaded, season_clock,  # noqa: F401
                                   sms_standin, system)
