"""What changed between two versions of an application, for reviewers (R-4.4: a returned
application comes back revised; the committee sees what was revised)."""
from __future__ import annotations

from typing import Any


def diff_versions(old: dict, new: dict) -> list[dict]:
    """Field-by-field changes as `{field, before, after}`, with paths like
    `sections.education.degrees.0.school`. Mappings are compared by key, lists of entries by
    index; an entry or group present on one side only is reported whole, at its own path,
    with None for the absent side."""
    return list(_diff(old, new, ""))


def _diff(before: Any, after: Any, path: str):
    if isinstance(before, dict) and isinstance(after, dict):
        for key in [*after, *(k for k in before if k not in after)]:
            yield from _diff(before.get(key), after.get(key),
                             f"{path}.{key}" if path else str(key))
    elif isinstance(before, list) and isinstance(after, list):
        for i in range(max(len(before), len(after))):
            yield from _diff(before[i] if i < len(before) else None,
                             after[i] if i < len(after) else None, f"{path}.{i}")
    elif before != after or type(before) is not type(after):
        yield {"field": path, "before": before, "after": after}
