"""Benchmarks of titles against bare baselines measured in the same run (issue 7, BENCHMARKS.md).

`python -m bench` (or `make bench`) starts what it needs itself — the four services as processes
on RabbitMQ, PostgreSQL, a moto S3 and an SMTP sink, through the same fixtures and `Cluster` the
system tests use — and prints every figure beside its bare baseline; the ratio is the result.
"""
