"""A process declared as data: its states, its actions and what happens on the way.

A domain declares one :class:`Process` next to its services; ``servicehall.workflow.engine``
is the only code that moves an instance. The table of legal moves (``transitions``) is
derived from the actions, so there is one table format in the code: this one.

Declared here:

- :class:`State`: a value of the domain's ``LabelledEnum`` (whose label people see),
  terminal or not, an optional :class:`Deadline` in working days, and hooks run on entering
  it (:class:`Notify` through the outbox, :class:`Announce` a change).
- :class:`Action`: a name and Chinese label, the states it is taken from and the state it
  leads to, who may take it (a :class:`~servicehall.workflow.rules.Rule`), when it is
  available (a :class:`~servicehall.workflow.rules.Guard` on the instance), and which of
  reason and legal basis it requires (:class:`Needs`).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from servicehall.errors import Conflict, IllegalTransition, ServiceHallError
from servicehall.workflow.rules import Guard, Rule

if TYPE_CHECKING:
    from tortoise.models import Model

    from servicehall.models import LabelledEnum, WorkflowStep
    from servicehall.notify.outbox import Outgoing


class Clock(enum.Enum):
    """Where a deadline is counted from."""

    #: the last entry into the state the instance is in
    STATE = "state"
    #: the last entry into the process's initial state (a reopened instance starts again)
    PROCESS = "process"


@dataclass(frozen=True, slots=True)
class Deadline:
    """``days`` working days (holiday calendar of ``servicehall.workdays``); an instance
    still in the state after the last of them is overdue."""

    days: int
    clock: Clock = Clock.STATE


@dataclass(frozen=True, slots=True)
class Notify:
    """On entering the state, write what ``build`` returns to the outbox, in the step's
    transaction. ``build`` gets the instance (already moved) and the recorded step."""

    build: Callable[[Any, WorkflowStep], Awaitable[Sequence[Outgoing]]]


@dataclass(frozen=True, slots=True)
class Announce:
    """On entering the state, announce ``(entity, key(instance))`` as changed; the engine
    returns it with the step for the caller to record after the commit (``Changes``)."""

    entity: str
    key: Callable[[Any], str]


Hook = Notify | Announce


@dataclass(frozen=True, slots=True)
class State:
    value: LabelledEnum
    terminal: bool = False
    deadline: Deadline | None = None
    on_enter: tuple[Hook, ...] = ()

    @property
    def label(self) -> str:
        return self.value.label


@dataclass(frozen=True, slots=True)
class Need:
    """A field an action requires: the message when it is missing (or shorter than
    ``shortest`` characters) names what to write."""

    message: str
    field: str
    shortest: int = 1


@dataclass(frozen=True, slots=True)
class Needs:
    reason: Need | None = None
    basis: Need | None = None


NO_NEEDS = Needs()


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    label: str
    sources: frozenset[LabelledEnum]
    target: LabelledEnum
    who: Rule
    needs: Needs = NO_NEEDS
    when: tuple[Guard, ...] = ()

    def available(self, instance: Any) -> bool:
        return all(guard.holds(instance) for guard in self.when)


@dataclass(frozen=True, slots=True)
class Process:
    """A process: ``model``'s ``state_field`` holds the state; ``lock_field``, when set, is
    a version column the conditional update also compares (a concurrent step that bumped
    it loses). ``noun`` names an instance in messages ("办件"), ``state_word`` its state
    ("环节", "状态"); ``field`` is the input field errors point at; ``reason_field`` and
    ``reason_word`` are the input field and the word for the text a step records as its
    reason ("note" and "备注" for cases); ``illegal`` is the
    error type of a refused action; ``department`` reads the responsible department's id
    from an instance for the history."""

    name: str
    label: str
    model: type[Model]
    state_field: str
    states: tuple[State, ...]
    actions: tuple[Action, ...]
    noun: str
    field: str
    state_word: str = "状态"
    reason_field: str = "reason"
    reason_word: str = "理由"
    lock_field: str | None = None
    illegal: type[ServiceHallError] = IllegalTransition
    conflict: type[ServiceHallError] = Conflict
    department: Callable[[Any], int | None] = dataclasses.field(default=lambda instance: None)
    _by_value: Mapping[Any, State] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_value = {s.value: s for s in self.states}
        if len(by_value) != len(self.states):
            raise ValueError(f"{self.name}: a state is declared twice")
        names = [a.name for a in self.actions]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: an action name is used twice")
        for action in self.actions:
            unknown = (action.sources | {action.target}) - by_value.keys()
            if unknown:
                raise ValueError(f"{self.name}.{action.name}: undeclared states {unknown}")
            if any(by_value[s].terminal for s in action.sources):
                raise ValueError(f"{self.name}.{action.name}: leaves a terminal state")
        object.__setattr__(self, "_by_value", MappingProxyType(by_value))

    @property
    def initial(self) -> State:
        """The state an instance opens in: the first declared."""
        return self.states[0]

    def state(self, value: Any) -> State:
        return self._by_value[value]

    def action(self, name: str) -> Action:
        for action in self.actions:
            if action.name == name:
                return action
        raise KeyError(f"{self.name} has no action {name!r}")

    def actions_from(self, value: Any) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if value in a.sources)

    def transitions(self) -> Mapping[Any, frozenset[Any]]:
        """Every legal move, guards aside: state -> the states its actions lead to."""
        return MappingProxyType(
            {s.value: frozenset(a.target for a in self.actions_from(s.value)) for s in self.states}
        )

    def with_deadlines(self) -> tuple[State, ...]:
        return tuple(s for s in self.states if s.deadline is not None)
