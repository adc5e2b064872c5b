"""The safety screen: the questionnaire and the rules that gate advice on it.

stridescope is not a diagnostic tool. Before any movement advice it asks the yes/no
questions in ``questions.toml`` (docs/methods.md, section F): warning signs of cauda
equina syndrome, cancer, infection, fracture, inflammatory and neurological disease,
and the kinds of back pain stridescope is not made for. :func:`screen` turns the
answers into one :class:`ScreeningResult`; only the status ``"clear"`` lets the report
give lessons or advice. The measurements are shown whatever the status.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Final, Literal

from stridescope.errors import InputError

__all__ = [
    "GROUP_SEVERITY",
    "GROUP_TITLES",
    "OUTCOME_MESSAGES",
    "SOURCES",
    "Group",
    "Question",
    "ScreeningResult",
    "Severity",
    "Status",
    "load_questions",
    "screen",
]

Group = Literal[
    "cauda_equina",
    "cancer",
    "infection",
    "fracture",
    "inflammatory",
    "neurological",
    "out_of_scope",
]
Severity = Literal["emergency", "medical", "out_of_scope"]
Status = Literal[
    "clear", "emergency", "medical", "out_of_scope", "not_answered", "incomplete"
]

#: The severity every item of a group has (the questionnaire must agree).
GROUP_SEVERITY: Final[Mapping[str, Severity]] = MappingProxyType(
    {
        "cauda_equina": "emergency",
        "cancer": "medical",
        "infection": "medical",
        "fracture": "medical",
        "inflammatory": "medical",
        "neurological": "medical",
        "out_of_scope": "out_of_scope",
    }
)

#: Plain titles of the groups, for templates, checklists and docs.
GROUP_TITLES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "cauda_equina": "Nerves at the base of the spine (cauda equina)",
        "cancer": "Signs worth ruling out cancer",
        "infection": "Signs of infection",
        "fracture": "Signs of a broken bone (fracture)",
        "inflammatory": "Signs of an inflammatory condition",
        "neurological": "Signs of nerve damage in the legs",
        "out_of_scope": "Back pain stridescope is not made for",
    }
)

#: The allowed parts of a question's ``source`` (methods F, section "Guideline basis").
SOURCES: Final = ("NICE NG59", "IFOMPT Finucane 2020", "NHS pathways", "[own wording]")

_SHOWN_ONLY = (
    "Your movement measurements are still shown below, for information only; "
    "stridescope gives no lessons or advice on them for now."
)

#: ``status -> (headline, message)``: what the report opens with.
OUTCOME_MESSAGES: Final[Mapping[Status, tuple[str, str]]] = MappingProxyType(
    {
        "emergency": (
            "Please seek emergency medical care now",
            "One or more of your answers can be a sign that the nerves at the base of "
            "the spine are being squeezed (cauda equina syndrome). This is rare, but "
            "it needs a doctor's examination straight away, because early treatment "
            "protects bladder, bowel and leg function. Please go to an emergency "
            "department now or call your local emergency number, and show them the "
            "answers listed here; do not wait to see whether it settles, and do not "
            f"run until you have been checked. {_SHOWN_ONLY}",
        ),
        "medical": (
            "Please see a doctor or physiotherapist before changing your running",
            "Some of your answers are signs that clinicians like to check before "
            "anyone works on movement habits. Most of the time they have a simple "
            "explanation, but occasionally back pain comes from an infection, a "
            "broken bone, an inflammatory condition or, rarely, cancer, and these "
            "need their own treatment, which movement lessons cannot replace. Please "
            "book an appointment with your doctor or a physiotherapist and take the "
            "answers listed here with you, before you change your running or try the "
            f"lessons. {_SHOWN_ONLY}",
        ),
        "out_of_scope": (
            "stridescope is not made for this kind of back pain",
            "Your answers describe pain that spreads down a leg, a diagnosed back "
            "condition, recent spine surgery, pregnancy, or pain that is severe or "
            "getting worse. stridescope's lessons are designed only for everyday back "
            "pain with no specific cause found, and for these situations they could "
            "miss what matters, so stridescope steps aside. A doctor or "
            "physiotherapist can tell you which running and exercise suit you. "
            f"{_SHOWN_ONLY}",
        ),
        "not_answered": (
            "Please answer the safety questions first",
            "Before stridescope suggests any lessons or changes to your running, it "
            "asks a short set of yes/no safety questions, because a few kinds of back "
            "pain need a clinician rather than movement work. No answers were given, "
            "so the questions are listed below; answer them and run the analysis "
            f"again. {_SHOWN_ONLY}",
        ),
        "incomplete": (
            "Some safety questions are still unanswered",
            "None of your answers so far points to a problem, but some questions were "
            "left unanswered, and any of them could change what is safe to suggest. "
            "The unanswered questions are listed below; answer them and run the "
            f"analysis again. {_SHOWN_ONLY}",
        ),
        "clear": (
            "No warning signs in your answers",
            "You answered no to every safety question, so the lessons and suggestions "
            "below are open to you. Go gently, and stop and see a doctor or "
            "physiotherapist if things change: fever, new numbness or weakness, or "
            "pain that becomes severe or spreads down a leg. If you notice changes in "
            "bladder or bowel control, or numbness between your legs, seek emergency "
            "care straight away.",
        ),
    }
)

_QUESTIONS_FILE = "questions.toml"
_REQUIRED_FIELDS = ("id", "group", "severity", "question", "why", "source")
_OPTIONAL_FIELDS = ("note",)
_ID_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


@dataclass(frozen=True)
class Question:
    """One yes/no screening question; answering yes flags it.

    Parameters
    ----------
    id
        Stable snake_case key, used in intake files.
    group
        The red-flag group (``"cauda_equina"``, ``"cancer"``, ...) or
        ``"out_of_scope"``.
    severity
        What a yes means: ``"emergency"``, ``"medical"`` or ``"out_of_scope"``.
    question
        The question in plain words.
    why
        One plain sentence saying why it is asked.
    source
        Guidelines covering the item, ``"; "``-separated, each one of
        :data:`SOURCES`.
    note
        A caveat for reviewers (an item still to verify), or ``""``.
    """

    id: str
    group: Group
    severity: Severity
    question: str
    why: str
    source: str
    note: str = ""

    @property
    def sources(self) -> tuple[str, ...]:
        """The parts of :attr:`source`, in order."""
        return tuple(part.strip() for part in self.source.split(";"))


@dataclass(frozen=True)
class ScreeningResult:
    """The outcome of the safety screen.

    Parameters
    ----------
    status
        ``"emergency"``, ``"medical"``, ``"out_of_scope"``, ``"not_answered"``,
        ``"incomplete"`` or ``"clear"`` (see :func:`screen`).
    flagged
        Every question answered yes, in questionnaire order (of any severity).
    unanswered
        Ids of the questions with no answer, in questionnaire order.
    advice_allowed
        True only for ``"clear"``: lessons and movement advice may be shown.
    show_checklist
        True for ``"not_answered"`` and ``"incomplete"``: the report shows the
        questions at the top, before anything else.
    headline, message
        Plain, kind wording the report opens with (:data:`OUTCOME_MESSAGES`).
    """

    status: Status
    flagged: tuple[Question, ...]
    unanswered: tuple[str, ...]
    advice_allowed: bool
    show_checklist: bool
    headline: str
    message: str


def _shape_problems(item: Mapping[str, Any]) -> list[str]:
    problems = []
    missing = [key for key in _REQUIRED_FIELDS if key not in item]
    unknown = sorted(set(item) - set(_REQUIRED_FIELDS) - set(_OPTIONAL_FIELDS))
    if missing:
        problems.append(f"expected fields {missing}, got none")
    if unknown:
        problems.append(
            f"expected only {list(_REQUIRED_FIELDS)} and 'note', got {unknown}"
        )
    for key, value in item.items():
        if not isinstance(value, str) or not value.strip():
            problems.append(f"expected a non-empty string for '{key}', got {value!r}")
    return problems


def _value_problems(item: Mapping[str, str]) -> list[str]:
    problems = []
    if not _ID_PATTERN.fullmatch(item["id"]):
        problems.append(f"expected a snake_case id, got '{item['id']}'")
    group, severity = item["group"], item["severity"]
    if group not in GROUP_SEVERITY:
        problems.append(f"expected a group in {list(GROUP_SEVERITY)}, got '{group}'")
    elif severity != GROUP_SEVERITY[group]:
        expected = GROUP_SEVERITY[group]
        problems.append(f"expected severity '{expected}' for {group}, got '{severity}'")
    bad = [s for s in item["source"].split(";") if s.strip() not in SOURCES]
    if bad:
        problems.append(f"expected sources from {list(SOURCES)}, got {bad}")
    if not item["question"].rstrip().endswith("?"):
        problems.append("expected the question to end with '?'")
    return problems


def _item_problems(item: object) -> list[str]:
    if not isinstance(item, dict):
        return [f"expected a table, got {type(item).__name__}"]
    return _shape_problems(item) or _value_problems(item)


def _parse_questions(data: Mapping[str, Any], *, name: str) -> tuple[Question, ...]:
    """Validate the parsed questionnaire ``data`` (read from ``name``) and build it.

    Raises
    ------
    InputError
        Naming ``name`` and every problem found, on one line.
    """
    items = data.get("question")
    problems = [f"unexpected key '{key}'" for key in data if key != "question"]
    if not isinstance(items, list) or not items:
        problems.append("expected a non-empty [[question]] array, got none")
        items = []
    for index, item in enumerate(items, start=1):
        label = item.get("id", "?") if isinstance(item, dict) else "?"
        problems += [f"question {index} ({label}): {p}" for p in _item_problems(item)]
    ids = [item["id"] for item in items if isinstance(item, dict) and "id" in item]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        problems.append(f"expected unique ids, got duplicates {duplicates}")
    if problems:
        raise InputError(f"{name}: {'; '.join(problems)}.")
    return tuple(Question(**item) for item in items)


@cache
def load_questions() -> tuple[Question, ...]:
    """Return the screening questions, in the order they are asked.

    Read once from the packaged ``questions.toml``; emergency items come first.

    Returns
    -------
    tuple of Question

    Raises
    ------
    InputError
        If the packaged questionnaire is malformed (a packaging bug).
    """
    package = resources.files("stridescope.screening")
    text = package.joinpath(_QUESTIONS_FILE).read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"{_QUESTIONS_FILE}: expected valid TOML, got: {e}.") from e
    return _parse_questions(data, name=_QUESTIONS_FILE)


def _answer_problems(answers: Mapping[str, object]) -> list[str]:
    """Problems with ``answers``: unknown question ids and non-boolean answers."""
    known = [q.id for q in load_questions()]
    problems = []
    for key, value in answers.items():
        if key not in known:
            close = [k for k in known if k.startswith(str(key))]
            close = close or difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"expected a known question id, got '{key}'{hint}")
        elif not isinstance(value, bool):
            problems.append(f"expected true or false for '{key}', got {value!r}")
    return problems


def _status(flagged: tuple[Question, ...], *, answered: int, total: int) -> Status:
    severities = {q.severity for q in flagged}
    if "emergency" in severities:
        return "emergency"
    if "medical" in severities:
        return "medical"
    if "out_of_scope" in severities:
        return "out_of_scope"
    if answered == 0:
        return "not_answered"
    if answered < total:
        return "incomplete"
    return "clear"


def screen(answers: Mapping[str, bool] | None) -> ScreeningResult:
    """Screen the answers for red flags and scope before any movement advice.

    Precedence, first match wins: any emergency item yes → ``"emergency"``; any
    medical item yes → ``"medical"``; any out-of-scope item yes → ``"out_of_scope"``;
    no answers at all (``None`` or empty) → ``"not_answered"``; some questions
    unanswered → ``"incomplete"``; every question answered no → ``"clear"``.
    A flag wins over missing answers: one yes is enough to refer, whatever else is
    unanswered (so an interview stopped at an emergency item is an emergency).

    Only ``"clear"`` allows advice. ``"incomplete"`` does not, on purpose: an
    unanswered question is not a "no", and the one left blank may be the red flag
    (people skip the questions they find awkward, such as bladder or sexual
    function). Advice needs every warning sign positively ruled out; the report
    then shows the unanswered questions at the top, as for ``"not_answered"``.

    Parameters
    ----------
    answers
        Question id → ``True`` (yes) or ``False`` (no); questions not in it are
        unanswered. ``None`` means no answers were given.

    Returns
    -------
    ScreeningResult

    Raises
    ------
    InputError
        If an id is not a question id or an answer is not a bool.

    Examples
    --------
    >>> screen({"saddle_numbness": True}).status
    'emergency'
    >>> screen(None).advice_allowed
    False
    """
    given = dict(answers or {})
    problems = _answer_problems(given)
    if problems:
        raise InputError(f"screening answers: {'; '.join(problems)}.")
    questions = load_questions()
    flagged = tuple(q for q in questions if given.get(q.id) is True)
    status = _status(flagged, answered=len(given), total=len(questions))
    headline, message = OUTCOME_MESSAGES[status]
    return ScreeningResult(
        status=status,
        flagged=flagged,
        unanswered=tuple(q.id for q in questions if q.id not in given),
        advice_allowed=status == "clear",
        show_checklist=status in ("not_answered", "incomplete"),
        headline=headline,
        message=message,
    )
