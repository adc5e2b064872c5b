"""Getting the screening answers: an intake TOML file, its template, or an interview.

An intake file has a ``[screening]`` table of ``question_id = true/false`` and an
optional ``[runner]`` table (``name``, ``age_years``, ``sex``, ``height_m``,
``weekly_km``, ``pain_now_0_10``). :func:`intake_template` writes a commented one.
"""

from __future__ import annotations

import os
import textwrap
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from stridescope.errors import InputError
from stridescope.screening.rules import (
    GROUP_TITLES,
    Question,
    _answer_problems,
    load_questions,
)

__all__ = ["Intake", "Runner", "ask_interactively", "intake_template", "read_intake"]

#: Numeric runner fields: (lowest, highest) accepted value, inclusive.
_RUNNER_RANGES: Final[Mapping[str, tuple[float, float]]] = MappingProxyType(
    {
        "age_years": (0.0, 120.0),
        "height_m": (0.5, 2.6),
        "weekly_km": (0.0, 1000.0),
        "pain_now_0_10": (0.0, 10.0),
    }
)
_RUNNER_TEXT: Final = ("name", "sex")
_TABLES: Final = ("screening", "runner")
_SEVERITY_ORDER: Final = ("emergency", "medical", "out_of_scope")


@dataclass(frozen=True)
class Runner:
    """Optional details about the runner from an intake file (``None`` if absent).

    Parameters
    ----------
    name
        How the report addresses the runner.
    age_years
        Age in years.
    sex
        As the runner states it (free text).
    height_m
        Standing height in metres.
    weekly_km
        Usual running distance in kilometres per week.
    pain_now_0_10
        Back pain now, from 0 (none) to 10 (worst imaginable).
    """

    name: str | None = None
    age_years: float | None = None
    sex: str | None = None
    height_m: float | None = None
    weekly_km: float | None = None
    pain_now_0_10: float | None = None


@dataclass(frozen=True)
class Intake:
    """What an intake file holds.

    Parameters
    ----------
    answers
        Question id → ``True`` (yes) or ``False`` (no), read-only; pass it to
        :func:`~stridescope.screening.screen`.
    runner
        The ``[runner]`` details.
    """

    answers: Mapping[str, bool] = field(default_factory=lambda: MappingProxyType({}))
    runner: Runner = field(default_factory=Runner)


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as e:
        raise InputError(
            f"{path}: no such file; expected an intake TOML file "
            "(create one with `stridescope intake-template > intake.toml`)."
        ) from e
    except OSError as e:
        raise InputError(f"{path.name}: cannot be read ({e.strerror}).") from e
    except UnicodeDecodeError as e:
        raise InputError(
            f"{path.name}: expected UTF-8 text, got an undecodable byte at "
            f"position {e.start}."
        ) from e
    except tomllib.TOMLDecodeError as e:
        detail = " ".join(str(e).split())
        raise InputError(f"{path.name}: expected valid TOML, got {detail}.") from e


def _runner_value_problem(key: str, value: object) -> str | None:
    if key in _RUNNER_TEXT:
        if isinstance(value, str):
            return None
        return f"expected text for '{key}', got {value!r}"
    low, high = _RUNNER_RANGES[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"expected a number for '{key}', got {value!r}"
    if not low <= value <= high:
        return f"expected '{key}' between {low:g} and {high:g}, got {value!r}"
    return None


def _runner_problems(table: Mapping[str, object]) -> list[str]:
    known = (*_RUNNER_TEXT, *_RUNNER_RANGES)
    problems = []
    for key, value in table.items():
        if key not in known:
            problems.append(f"expected a key in {list(known)}, got '{key}'")
        elif (problem := _runner_value_problem(key, value)) is not None:
            problems.append(problem)
    return problems


def _table(data: Mapping[str, Any], name: str, problems: list[str]) -> dict[str, Any]:
    table = data.get(name, {})
    if isinstance(table, dict):
        return table
    problems.append(f"expected [{name}] to be a table, got {table!r}")
    return {}


def read_intake(path: str | os.PathLike[str]) -> Intake:
    """Read the screening answers and runner details from an intake TOML file.

    A missing ``[screening]`` table, or a question missing from it, means
    unanswered (see :func:`~stridescope.screening.screen`).

    Parameters
    ----------
    path
        The intake file (``stridescope intake-template`` writes one to fill in).

    Returns
    -------
    Intake

    Raises
    ------
    InputError
        On one line naming the file and every problem: missing or unreadable file,
        malformed TOML, unknown tables, keys or question ids, an answer that is not
        ``true``/``false``, a runner value of the wrong type or out of range.
    """
    path = Path(path)
    data = _load_toml(path)
    problems = [
        f"expected tables {list(_TABLES)}, got '{key}'"
        for key in data
        if key not in _TABLES
    ]
    answers = _table(data, "screening", problems)
    runner = _table(data, "runner", problems)
    problems += [f"[screening] {p}" for p in _answer_problems(answers)]
    problems += [f"[runner] {p}" for p in _runner_problems(runner)]
    if problems:
        raise InputError(f"{path.name}: {'; '.join(problems)}.")
    details: dict[str, Any] = {
        k: float(v) if k in _RUNNER_RANGES else v for k, v in runner.items()
    }
    return Intake(answers=MappingProxyType(dict(answers)), runner=Runner(**details))


def _comment(text: str, *, indent: str = "") -> list[str]:
    return textwrap.wrap(
        text, width=88, initial_indent=f"# {indent}", subsequent_indent=f"# {indent}"
    )


_TEMPLATE_HEAD: Final = """\
# stridescope intake file: safety questions and (optional) details about you.
#
# stridescope is not a diagnostic tool. Before it suggests any lessons or changes to
# your running, it asks these yes/no safety questions, because a few kinds of back
# pain need a doctor or physiotherapist rather than movement work.
#
# How to answer: for each question, delete the "# " in front of the answer line and
# write true (yes) or false (no) after the "=", for example:
#     pregnant = true        or        pregnant = false
# A question left commented out counts as unanswered, and stridescope gives no
# lessons or advice until every question has an answer.
#
# IMPORTANT: if the answer to any question marked EMERGENCY is yes, do not wait for
# stridescope: seek emergency medical care now.

[runner]
# All optional: delete the "# " in front of a line to fill it in.
# name = "Alex"
# age_years = 35        # years
# sex = "female"
# height_m = 1.70       # metres
# weekly_km = 30        # kilometres per week
# pain_now_0_10 = 3     # back pain now: 0 = none, 10 = worst imaginable

[screening]
"""


def _template_item(question: Question) -> list[str]:
    return [
        *_comment(question.question),
        *_comment(f"Why we ask: {question.why}", indent="  "),
        f"# {question.id} =",
        "",
    ]


def intake_template() -> str:
    """Return a commented intake TOML template listing every screening question.

    Every answer line is commented out, so the untouched template reads as "not
    answered": the runner must actively answer each question.

    Returns
    -------
    str
        The template text, ending in a newline.
    """
    lines = [_TEMPLATE_HEAD]
    group = ""
    for question in load_questions():
        if question.group != group:
            group = question.group
            flag = "EMERGENCY if yes" if question.severity == "emergency" else ""
            title = f"{GROUP_TITLES[group]}{': ' + flag if flag else ''}"
            lines += [f"# == {title} ==", ""]
        lines += _template_item(question)
    return "\n".join(lines).rstrip("\n") + "\n"


def ask_interactively(ask: Callable[[str], bool]) -> dict[str, bool]:
    """Walk through the screening questions with a caller-supplied yes/no function.

    Emergency items are asked first, and the walk stops as soon as one of them is
    answered yes: the answers so far then screen as ``"emergency"`` (a flag wins
    over unanswered questions), and the runner should be told to seek emergency
    care at once rather than be asked anything more.

    Parameters
    ----------
    ask
        Called with each question's text; returns ``True`` for yes, ``False`` for
        no (the CLI supplies one that reads the terminal).

    Returns
    -------
    dict of str to bool
        Question id → answer, for the questions asked; pass it to
        :func:`~stridescope.screening.screen`.

    Raises
    ------
    TypeError
        If ``ask`` returns something other than a bool.
    """
    questions = sorted(
        load_questions(), key=lambda q: _SEVERITY_ORDER.index(q.severity)
    )
    answers: dict[str, bool] = {}
    for question in questions:
        reply = ask(question.question)
        if not isinstance(reply, bool):
            raise TypeError(
                f"expected ask() to return True or False for '{question.id}', "
                f"got {reply!r}"
            )
        answers[question.id] = reply
        if reply and question.severity == "emergency":
            break
    return answers
