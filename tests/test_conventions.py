"""Issue 13, "one of each": conventions the code keeps, checked over the package's source."""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from servicehall import clock
from servicehall.codes import parse_id_number
from servicehall.errors import InvalidCursor, InvalidIdNumber, ServiceHallError
from servicehall.resolvers.paging import decode_cursor, encode_cursor
from servicehall.settings import SettingsError

PACKAGE = Path(clock.__file__).parent

#: Wall-clock readings outside clock.py (``time.monotonic``/``perf_counter`` measure
#: durations and stay allowed).
WALL_CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}


def sources() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def wall_clock_calls(tree: ast.Module) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
        if (name, node.func.attr) in WALL_CLOCK:
            found.append((node.lineno, f"{name}.{node.func.attr}()"))
    return found


def test_the_walk_sees_wall_clock_calls() -> None:
    """The check below can fail: it finds each kind of call it forbids."""
    tree = ast.parse(
        "import datetime as dt, time\n"
        "a = datetime.now(UTC)\nb = dt.datetime.utcnow()\nc = date.today()\nd = time.time()\n"
        "e = time.monotonic()\n"
    )
    assert [call for _, call in wall_clock_calls(tree)] == [
        "datetime.now()",
        "datetime.utcnow()",
        "date.today()",
        "time.time()",
    ]


def test_one_clock() -> None:
    """Issue 13: the hall reads the wall clock only in servicehall/clock.py."""
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line} {call}"
        for path, tree in sources()
        if path.name != "clock.py" or path.parent != PACKAGE
        for line, call in wall_clock_calls(tree)
    ]
    assert offenders == []


def test_tests_freeze_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Moving ``clock.timestamp`` moves every reading: UTC time, the local day, and code
    that checks against today (an ID number born "tomorrow" becomes valid)."""
    later = datetime(2031, 1, 1, 16, 30, tzinfo=UTC)  # 00:30 on 2 January in Shanghai
    born_then = "110101203101020017"  # born 2031-01-02, check digit valid
    with pytest.raises(InvalidIdNumber):
        parse_id_number(born_then)
    monkeypatch.setattr(clock, "timestamp", later.timestamp)
    assert clock.now() == later
    assert clock.local_today() == date(2031, 1, 2)
    assert parse_id_number(born_then) == born_then


#: Exceptions of the hall outside ServiceHallError, each with its reason.
OUTSIDE_THE_HIERARCHY = {
    # Raised by the settings leaf, which imports nothing from the hall (not even errors.py),
    # before any hall exists; the CLI prints it as 配置错误 and exits with status 2.
    SettingsError,
}


def hall_exceptions() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if "migrations" in parts:
            continue  # generated; they define no exceptions and import the models again
        module = importlib.import_module(".".join(parts).removesuffix(".__init__"))
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return list(found.values())


def test_one_error_hierarchy() -> None:
    """Issue 13: every exception the hall raises on purpose derives from ServiceHallError
    (13 did not: InvalidToken, RequestError, DeliveryError, CalendarError, ...)."""
    exceptions = hall_exceptions()
    assert ServiceHallError in exceptions and len(exceptions) > 40, "the walk found them"
    outside = sorted(
        f"{error.__module__}.{error.__qualname__}"
        for error in exceptions
        if not issubclass(error, ServiceHallError) and error not in OUTSIDE_THE_HIERARCHY
    )
    assert outside == []


def test_one_paging_module() -> None:
    """Issue 13: one page type, one cursor codec and one MAX_PAGE, in resolvers/paging.py
    (there were four of each: paging.py, identity.py, items.py, stations.py)."""
    offenders = []
    for path, tree in sources():
        if path == PACKAGE / "resolvers" / "paging.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Page"):
                offenders.append(f"{path.name}: class {node.name}")
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                if isinstance(target, ast.Name) and target.id.startswith("MAX_PAGE"):
                    offenders.append(f"{path.name}: {target.id}")
            if isinstance(node, ast.Attribute) and node.attr.startswith("urlsafe_b64encode"):
                offenders.append(f"{path.name}:{node.lineno} encodes base64")
    assert offenders == []


@pytest.mark.parametrize(
    ("old", "parts", "expected"),
    [
        # The base64 of what the four codecs wrote before issue 13 (Python's base64 module).
        ("MjAyNC0wNS0wMXw0Mg", 2, ["2024-05-01", "42"]),  # paging.py: date|id
        ("MjAyNC0wNS0wMVQwODowMDowMCswMDowMHw3", 2, ["2024-05-01T08:00:00+00:00", "7"]),
        ("MTIz", 1, ["123"]),  # identity.py: id
        ("MnwxMTQ0MDQwMzAwNzA0ODc4OFAtMDAx", 2, ["2", "11440403007048788P-001"]),  # items.py
        ("MTE0NDA0MDMwMDcwNDg3ODhQLTAwMQ", 1, ["11440403007048788P-001"]),  # stations.py
    ],
)
def test_cursors_clients_hold_stay_valid(old: str, parts: int, expected: list[str]) -> None:
    assert decode_cursor(old, parts) == expected
    assert encode_cursor(*expected) == old


@pytest.mark.parametrize("bad", ["%%%", "/w", "MTIz", "gA"])
def test_a_foreign_cursor_is_a_typed_error(bad: str) -> None:
    with pytest.raises(InvalidCursor) as refused:
        decode_cursor(bad, 2)
    assert refused.value.field == "after"


def _members(node: ast.expr) -> list[str] | None:
    """The elements of a set-like literal (``{a, b}``, ``set()``/``frozenset({...})``) as
    source text, or None when ``node`` is not one."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("set", "frozenset"):
        if not node.args:
            return []
        node = node.args[0]
        if isinstance(node, ast.List | ast.Tuple):
            return [ast.unparse(e) for e in node.elts]
    if isinstance(node, ast.Set):
        return [ast.unparse(e) for e in node.elts]
    return None


def _base(text: str) -> str:
    return text.rsplit(".", 1)[0] if "." in text else "<str>"


def transition_tables(tree: ast.Module) -> list[int]:
    """Lines of dict literals that map states to sets of states: keys of one enum (or
    strings) whose values are sets of members of the same enum (or of the keys)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Dict) or len(node.keys) < 2 or None in node.keys:
            continue
        keys = [ast.unparse(k) for k in node.keys if k is not None]
        values = [_members(v) for v in node.values]
        if any(v is None for v in values):
            continue
        bases = {_base(k) for k in keys}
        elements = {e for v in values for e in v or ()}
        if len(bases) != 1 or not elements:
            continue
        (base,) = bases
        if base == "<str>" and not all(isinstance(k, ast.Constant) for k in node.keys):
            continue
        same = elements <= set(keys) if base == "<str>" else {_base(e) for e in elements} == {base}
        if same:
            found.append(node.lineno)
    return found


def test_the_walk_sees_transition_tables() -> None:
    """The check below can fail: it finds hand-written tables in both spellings."""
    tree = ast.parse(
        "A = {S.QUEUED: {S.SENDING}, S.SENDING: frozenset({S.SENT, S.DEAD}), S.SENT: set()}\n"
        "B = {'queued': {'sending'}, 'sending': {'sent'}, 'sent': set()}\n"
        "C = {S.SUBMITTED: (S.SUBMITTED,), S.ACCEPTED: (S.SUBMITTED, S.ACCEPTED)}\n"
        "D = {K.PUBLIC: ('code',), K.MACHINE: ('client_credentials',)}\n"
        "E = {'a': {'x'}, 'b': {'y'}}\n"
    )
    assert transition_tables(tree) == [1, 2]


def test_one_transition_table_format() -> None:
    """Issue 13: the legal moves of a state machine are said in one format, a workflow
    ``Process`` declaration (tables are derived from it: ``process.transitions()``); no
    module writes a table of moves by hand (the outbox's moves are guarded UPDATEs)."""
    found = [
        f"{path.relative_to(PACKAGE)}:{line}"
        for path, tree in sources()
        if "migrations" not in path.parts
        for line in transition_tables(tree)
    ]
    assert found == []
