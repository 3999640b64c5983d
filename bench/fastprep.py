"""A faster way to prepare many applications for the saturated pipeline phase (issue 15): one
application is prepared the real way (`load.prepare`: created, every required attachment
uploaded and checked by documents), then each further application is created through the API
and given copies of that application's checked attachments — intake's attachment rows (status
as documents decided) and documents' check rows (verdict and the checked copies' keys), under new
ids — "attachments checked once and reused across applications". What is measured afterwards,
submit → documents + review → task_opened → notify → the reviewer's mail, is the real path:
intake freezes the version from its rows, documents finds the photo's checked copy by id.

Rows are copied with SQL on the services' own databases: a benchmark's shortcut, never a path of
the system."""
from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import MetaData, Table, create_engine, select

from tests.support import applications
from tests.system.conftest import Api

from .load import applicant_token, prepare


def _table(engine, name: str) -> Table:
    return Table(name, MetaData(), autoload_with=engine)


def prepare_fast(stack, n: int, tag: str, workers: int = 8, stats=None) -> list[tuple[str, str]]:
    """n applications ready to submit: [(application_id, token)]."""
    base = stack.cluster.api.base
    template = prepare(base, 1, f"{tag}-template", stack=stack, stats=stats)
    if not template:
        raise RuntimeError("the template application's attachments were never checked")
    template_id = template[0][0]
    intake = create_engine(stack.cluster.per_service["intake"]["DATABASE_URL"])
    documents = create_engine(stack.cluster.per_service["documents"]["DATABASE_URL"])
    try:
        attachments, checks = _table(intake, "attachments"), _table(documents, "checks")
        with intake.connect() as c:
            rows = [dict(r._mapping) for r in c.execute(select(attachments).where(
                attachments.c.application_id == template_id,
                attachments.c.superseded_by.is_(None)))]
        with documents.connect() as c:
            checked = {r.attachment_id: dict(r._mapping) for r in c.execute(select(checks).where(
                checks.c.attachment_id.in_([r["id"] for r in rows])))}
        local = threading.local()

        def one(i):
            api = getattr(local, "api", None) or Api(base)
            local.api = api
            token = applicant_token(api, i, tag)
            created = applications.create(api, token, applications.for_token(
                token, applications.body()))
            return created["id"], token

        with ThreadPoolExecutor(workers) as pool:
            made = list(pool.map(one, range(n)))
        new_attachments, new_checks = [], []
        for app_id, _ in made:
            for row in rows:
                new_id = str(uuid.uuid4())
                new_attachments.append({**row, "id": new_id, "application_id": app_id})
                if row["id"] in checked:
                    new_checks.append({**checked[row["id"]], "attachment_id": new_id,
                                       "application_id": app_id})
        with intake.begin() as c:
            c.execute(attachments.insert(), new_attachments)
        if new_checks:
            with documents.begin() as c:
                c.execute(checks.insert(), new_checks)
        if stats is not None:
            stats["prepared_fast"] = {"applications": len(made), "template": template_id,
                                      "attachments_each": len(rows)}
        return made
    finally:
        intake.dispose()
        documents.dispose()
