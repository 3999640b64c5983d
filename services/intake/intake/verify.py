"""The public verification of a printed document's QR code (issue #5, D-1).

Documented in openapi/verify.yaml.
"""
from __future__ import annotations


class VerifyEndpoints:
    pass
