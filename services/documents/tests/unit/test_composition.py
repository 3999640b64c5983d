"""`DocumentsService` is only the sum of its areas: no two areas define the same name — in the
composed class the first base would silently win (an attachment helper named `_record` once took
the place of rendering's, and every submission's documents failed)."""
from __future__ import annotations

from nameko.extensions import DependencyProvider

from documents import dependencies
from documents.service import DocumentsService
from plumbing.health import HealthMixin

AREAS = [cls for cls in DocumentsService.__bases__ if cls is not HealthMixin]
TEMPLATES = {name for name, value in vars(dependencies).items()
             if isinstance(value, DependencyProvider)}


def test_no_two_areas_define_the_same_name_except_the_shared_dependencies():
    seen: dict[str, type] = {}
    for area in AREAS:
        for name in (n for n in vars(area) if not n.startswith("__")):
            if name in seen:
                assert name in TEMPLATES, f"{area.__name__}.{name} shadows {seen[name].__name__}"
                assert getattr(area, name) is getattr(seen[name], name)
            seen.setdefault(name, area)
