"""Movement lessons: the packaged library, lesson plans for findings, and audio.

The lessons are original, voice-guided movement sequences in the Awareness Through
Movement style (gentle, slow, small, attention-led, with rests); see
``docs/lessons.md``. Offer them only when the screening questionnaire is clear
(``docs/methods.md`` section F).

Importing this package reads no files; the library is read on the first call to
:func:`load_library` and cached.
"""

from stridescope.lessons.audio import (
    AudioEngineError,
    AudioResult,
    Mp3EncoderNotFoundError,
    SpeechEngineNotFoundError,
    render_lesson_audio,
)
from stridescope.lessons.library import (
    HIP_DIRECTIONS,
    PATTERN_CODES,
    Lesson,
    LessonDataError,
    LessonStep,
    get_lesson,
    lessons_for,
    load_library,
)
from stridescope.lessons.plan import (
    FindingLike,
    FindingRef,
    LessonPlan,
    PlannedLesson,
    build_plan,
)

__all__ = [
    "HIP_DIRECTIONS",
    "PATTERN_CODES",
    "AudioEngineError",
    "AudioResult",
    "FindingLike",
    "FindingRef",
    "Lesson",
    "LessonDataError",
    "LessonPlan",
    "LessonStep",
    "Mp3EncoderNotFoundError",
    "PlannedLesson",
    "SpeechEngineNotFoundError",
    "build_plan",
    "get_lesson",
    "lessons_for",
    "load_library",
    "render_lesson_audio",
]
