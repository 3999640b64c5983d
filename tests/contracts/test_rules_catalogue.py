"""docs/rules.md is the one place a rule number is defined, and it stays true.

- every rule number (R-x.y, N-x.y, D-x) cited anywhere in the repository — code, tests, docs,
  configs, layouts: every file git tracks or would track — has its heading in docs/rules.md;
- every path named under "Enforced by" exists;
- every rule names at least one module and one test that enforce it (a rule nobody cites may
  say "not enforced" instead: it is catalogued, not claimed);
- no file points to the old restatements outside the repository.
"""
from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = "docs/rules.md"
# Not citations: the catalogue itself, and this file, whose samples are made-up examples.
NOT_CITING = {CATALOGUE, Path(__file__).resolve().relative_to(ROOT).as_posix()}

# R- and N- rules are numbered x.y, D- entries x; "R-1.…" (a whole part) is not a citation.
CITATION = re.compile(r"\b(?:[RN]-\d+\.\d+|D-\d+)\b(?!\.\d)")
HEADING = re.compile(r"^#{2,3} ", re.M)
RULE_HEADING = re.compile(r"^### ((?:[RN]-\d+\.\d+|D-\d+)) ", re.M)
ENFORCED_BY = re.compile(r"^\*\*Enforced by:\*\*(.*?)(?:\n\n|\Z)", re.M | re.S)
PATH = re.compile(r"`([\w./-]+/[\w.-]+)`")
NOT_ENFORCED = re.compile(r"^\s*not enforced\b", re.I)
# Spelled in two halves so that this file does not mention them itself.
GONE = tuple(name + ".md" for name in ("DOMAIN", "ARCHITECTURE", "STYLE"))


def repository_files() -> list[str]:
    """What git tracks, and what it would (new files not ignored), that is still on disk."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=ROOT, capture_output=True, check=True).stdout
    return sorted({p for p in out.decode("utf-8").split("\0") if p and (ROOT / p).is_file()})


def text_of(path: str) -> str | None:
    data = (ROOT / path).read_bytes()
    if b"\0" in data:
        return None  # binary (images, fonts)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def citations(texts: dict[str, str]) -> dict[str, set[str]]:
    """rule number -> the files that cite it."""
    found: dict[str, set[str]] = defaultdict(set)
    for path, text in texts.items():
        for number in CITATION.findall(text):
            found[number].add(path)
    return found


def blocks(catalogue: str) -> list[tuple[str, str]]:
    """The catalogue cut at every ## and ### heading: (heading line, body)."""
    starts = [m.start() for m in HEADING.finditer(catalogue)] + [len(catalogue)]
    out = []
    for a, b in zip(starts, starts[1:]):
        head, _, body = catalogue[a:b].partition("\n")
        out.append((head, body))
    return out


def rule_entries(catalogue: str) -> dict[str, str]:
    """rule number -> its entry's body."""
    entries: dict[str, str] = {}
    for head, body in blocks(catalogue):
        m = RULE_HEADING.match(head + " ")
        if m:
            assert m[1] not in entries, f"{m[1]} has two headings in {CATALOGUE}"
            entries[m[1]] = body
    return entries


def enforced_by(body: str) -> list[str]:
    """The text of every "Enforced by" paragraph of an entry."""
    return [m[1] for m in ENFORCED_BY.finditer(body)]


def is_test(path: str) -> bool:
    parts = path.split("/")
    return ("tests" in parts[:-1]) and parts[-1].startswith("test_")


def entry_problems(number: str, body: str, cited_elsewhere: bool,
                   exists=lambda p: (ROOT / p).is_file()) -> list[str]:
    """What is wrong with one rule's entry: no "Enforced by", a path that does not exist, no
    module or no test named (unless it says "not enforced" and nothing cites it)."""
    paragraphs = enforced_by(body)
    if not paragraphs:
        return [f"{number}: no **Enforced by:** line"]
    if any(NOT_ENFORCED.match(p) for p in paragraphs):
        return [f"{number}: cited in the repository but marked not enforced"] \
            if cited_elsewhere else []
    paths = [p for text in paragraphs for p in PATH.findall(text)]
    problems = [f"{number}: {p} does not exist" for p in paths if not exists(p)]
    if not any(not is_test(p) for p in paths):
        problems.append(f"{number}: names no module that enforces it")
    if not any(is_test(p) for p in paths):
        problems.append(f"{number}: names no test (tests/… or services/<s>/tests/…/test_*.py)")
    return problems


# --- the real repository -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    found = {p: text_of(p) for p in repository_files()}
    return {p: t for p, t in found.items() if t is not None}


@pytest.fixture(scope="module")
def catalogue(texts) -> str:
    return texts[CATALOGUE]


def test_every_cited_rule_is_in_the_catalogue(texts, catalogue):
    cited = citations({p: t for p, t in texts.items() if p not in NOT_CITING})
    defined = set(rule_entries(catalogue))
    missing = {n: sorted(files) for n, files in cited.items() if n not in defined}
    assert missing == {}, f"cited but not defined in {CATALOGUE}: {missing}"


def test_every_rule_names_existing_modules_and_tests_that_enforce_it(texts, catalogue):
    cited = citations({p: t for p, t in texts.items() if p not in NOT_CITING})
    problems = [p for number, body in rule_entries(catalogue).items()
                for p in entry_problems(number, body, number in cited)]
    assert problems == []


def test_every_path_under_enforced_by_exists_outside_rules_too(catalogue):
    """§9 (roles) and any other section may name paths as well: they must exist."""
    paths = [p for _, body in blocks(catalogue) for text in enforced_by(body)
             for p in PATH.findall(text)]
    assert paths
    assert [p for p in paths if not (ROOT / p).is_file()] == []


def test_the_catalogue_has_its_nine_sections(catalogue):
    sections = re.findall(r"^## (§\d) ", catalogue, re.M)
    assert sections == [f"§{i}" for i in range(1, 10)]


def test_no_file_points_to_restatements_outside_the_repository(texts):
    mentions = sorted(p for p, t in texts.items() if any(name in t for name in GONE))
    assert mentions == [], f"still cite files outside the repository: {mentions}"


# --- each check can fail -------------------------------------------------------------------------

SAMPLE = """## §4 Review routing

### R-4.4 Three submissions at most
**Source:** 三、申报方式

**Enforced by:** `contracts/rules.py`; tests `tests/contracts/test_shared_rules.py`.

### R-4.5 48 hours
**Enforced by:** `services/review/review/rules/supplements.py`.

### N-8.8 Not asked twice
**Enforced by:** not enforced.

### D-4 Lists
**Enforced by:** `docs/gone.py`; tests `tests/system/test_gone.py`.

## §9 Roles

**Enforced by:** tests `tests/system/test_review_route.py`.
"""


def test_citations_are_found_with_their_files_and_a_whole_part_is_not_one():
    found = citations({"a.py": "R-4.4 and N-8.1..N-8.4, D-1…D-4; R-1.… is a part, UTF-8 no",
                       "b.md": "(R-4.4)"})
    assert found == {"R-4.4": {"a.py", "b.md"}, "N-8.1": {"a.py"}, "N-8.4": {"a.py"},
                     "D-1": {"a.py"}, "D-4": {"a.py"}}


def test_a_rule_cited_but_not_in_the_catalogue_is_found():
    cited = citations({"x.py": "see R-9.9"})
    assert set(cited) - set(rule_entries(SAMPLE)) == {"R-9.9"}


def test_entry_checks_report_missing_tests_missing_paths_and_false_not_enforced():
    entries = rule_entries(SAMPLE)
    assert set(entries) == {"R-4.4", "R-4.5", "N-8.8", "D-4"}
    real = lambda p: not p.startswith(("docs/gone", "tests/system/test_gone"))  # noqa: E731
    assert entry_problems("R-4.4", entries["R-4.4"], True, real) == []
    assert entry_problems("R-4.5", entries["R-4.5"], True, real) == [
        "R-4.5: names no test (tests/… or services/<s>/tests/…/test_*.py)"]
    assert entry_problems("N-8.8", entries["N-8.8"], False, real) == []
    assert entry_problems("N-8.8", entries["N-8.8"], True, real) == [
        "N-8.8: cited in the repository but marked not enforced"]
    assert entry_problems("D-4", entries["D-4"], True, real) == [
        "D-4: docs/gone.py does not exist", "D-4: tests/system/test_gone.py does not exist"]
    assert entry_problems("R-1.1", "**Source:** 一\n", True, real) == [
        "R-1.1: no **Enforced by:** line"]


def test_a_test_is_a_test_file_under_a_tests_folder():
    assert is_test("tests/system/test_review_route.py")
    assert is_test("services/review/tests/unit/test_rules_paper.py")
    assert not is_test("tests/support/review_api.py")
    assert not is_test("services/review/review/rules/paper.py")
