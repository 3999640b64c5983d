"""How an application and a person are shown to people outside the system: the number printed on
every document, quoted in messages and answered by the verify endpoint, and the masked name a
public answer may show. One definition, because a printout, an SMS and the verify page must agree.
"""
from __future__ import annotations


def application_number(application_id: str) -> str:
    """The short number people quote: the id's first 8 characters, upper case."""
    return (application_id or "")[:8].upper()


def mask_name(name: str) -> str:
    """"张三丰" -> "张**": the surname stays, one star per hidden character."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" * len(name)
    return name[0] + "*" * (len(name) - 1)
