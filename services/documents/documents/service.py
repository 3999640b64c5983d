"""documents: checks every uploaded JPG, records the watermarked 评审表 with the opinions
recorded so far, 附件1 and 附件2 at each submission (drawn on their first download, issue 15),
and renders the staff's lists on request (docs/services.md).

The service is composed of one class per area, each in its own module, each naming what it uses
from `documents.dependencies`:
`documents.attachments` (attachment checks and duplicates across applicants, R-3.2),
`documents.rendering` (an application's documents recorded at each submission and on each
decision, D-1…D-3) and `documents.printed_lists` (the lists printed on request and the lookup of their
codes over RPC, D-4) and `documents.downloads` (where a document's PDF and an attachment's
checked copy are stored — drawing a recorded document on its first request — for intake to
hand out; 附件1 and 附件2 rendered from a draft). Every query is in `documents.store`; decoding and rendering run in OS
threads, a few at a time (`documents.heavy`). documents has no status lifecycle: a check is one
verdict, a rendered document an immutable revision.
"""
from __future__ import annotations

from documents.attachments import AttachmentChecks
from documents.downloads import Downloads
from documents.printed_lists import PrintedLists
from documents.rendering import ApplicationDocuments
from plumbing.health import HealthMixin
from plumbing.metrics import Observed

__all__ = ["DocumentsService"]


class DocumentsService(AttachmentChecks, ApplicationDocuments, PrintedLists, Downloads,
                       HealthMixin, Observed):
    """The nameko service `documents` (run as `documents.service:DocumentsService`)."""

    name = "documents"
