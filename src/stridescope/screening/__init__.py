"""The safety screen that runs before any movement advice (docs/screening.md).

stridescope is not a diagnostic tool: it asks yes/no questions about red flags
(docs/methods.md, section F) and about back pain it is not made for, and gives lessons
or advice only when every answer is no. The measurements are shown whatever the
outcome.

Examples
--------
>>> from stridescope.screening import screen
>>> result = screen({"leg_pain_below_knee": True})
>>> result.status, result.advice_allowed
('out_of_scope', False)
"""

from stridescope.screening.intake import (
    Intake,
    Runner,
    ask_interactively,
    intake_template,
    read_intake,
)
from stridescope.screening.rules import (
    GROUP_SEVERITY,
    GROUP_TITLES,
    OUTCOME_MESSAGES,
    SOURCES,
    Group,
    Question,
    ScreeningResult,
    Severity,
    Status,
    load_questions,
    screen,
)

__all__ = [
    "GROUP_SEVERITY",
    "GROUP_TITLES",
    "OUTCOME_MESSAGES",
    "SOURCES",
    "Group",
    "Intake",
    "Question",
    "Runner",
    "ScreeningResult",
    "Severity",
    "Status",
    "ask_interactively",
    "intake_template",
    "load_questions",
    "read_intake",
    "screen",
]
