"""Stage and level set by hand: the words for them in /stage and /level, and level upgrades.

A rep names a stage or level with its value ("casual_buyer") or with its label in any
catalogue language ("casual buyer", "衰退期"), and clears a manual value with "automatic"
("auto", "自动"), after which the analysis decides again.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from crm_core.analysis import level_label, stage_label
from crm_core.i18n import LANGUAGES, translate
from crm_core.model import LEVEL_ORDER, Level, Stage

# Callback-data value of the "Automatic" choice.
AUTOMATIC = "auto"
AUTOMATIC_WORDS = ("auto", "automatic")


class OverrideField(StrEnum):
    """Customer field that a rep sets by hand: the lifecycle stage or the relationship level."""

    STAGE = "stage"
    LEVEL = "level"


# The value a rep chose: a stage or level, or None for "automatic".
Choice = Stage | Level | None


@dataclass(frozen=True)
class OverrideCommand:
    """``/stage NAME STAGE`` or ``/level NAME LEVEL`` split into the typed name and the choice."""

    customer_name: str
    choice: Choice


class OverrideParseError(ValueError):
    """Invalid /stage or /level input. ``key`` is a catalogue key and ``params`` its parameters."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def choices(field: OverrideField) -> tuple[Stage, ...] | tuple[Level, ...]:
    """Return the stages or the levels, in model order (levels from shallow to deep)."""
    return tuple(Stage) if field is OverrideField.STAGE else LEVEL_ORDER


def choice_label(field: OverrideField, choice: Choice, language: str) -> str:
    """Return the name of a choice in ``language``. The name of None is "automatic"."""
    if choice is None:
        return translate(language, "overrides.automatic")
    if field is OverrideField.STAGE:
        return stage_label(choice, language)
    return level_label(choice, language)


def choice_list(field: OverrideField, language: str) -> str:
    """Return every choice of ``field`` with "automatic" last, joined for ``language``."""
    separator = translate(language, "overrides.list_separator")
    labels = [choice_label(field, choice, language) for choice in choices(field)]
    labels.append(choice_label(field, None, language))
    return separator.join(labels)


def parse_choice(field: OverrideField, word: str) -> Choice:
    """Return the stage or level named by ``word``, or None for "automatic".

    Raises:
        OverrideParseError: If ``word`` names no stage or level of ``field``.
    """
    key = _normalize(word)
    vocabulary = _vocabulary(field)
    if key not in vocabulary:
        raise OverrideParseError(f"overrides.invalid_{field}", word=word.strip())
    return vocabulary[key]


def parse_callback_choice(field: OverrideField, value: str) -> Choice:
    """Return the choice carried in callback data: an enum value or ``AUTOMATIC``.

    Raises:
        ValueError: If ``value`` is neither.
    """
    if value == AUTOMATIC:
        return None
    return Stage(value) if field is OverrideField.STAGE else Level(value)


def callback_value(choice: Choice) -> str:
    """Return the callback-data form of a choice, the inverse of ``parse_callback_choice``."""
    return AUTOMATIC if choice is None else str(choice)


def parse_override_command(field: OverrideField, text: str) -> OverrideCommand:
    """Split the text after /stage or /level into a customer name and a choice.

    The choice is the longest run of trailing words that names a stage or level of
    ``field``, such as "casual buyer". A Chinese word may also be attached to the name
    without a space ("阿里巴巴衰退期").

    Raises:
        OverrideParseError: If the text is empty, has no name before the choice, or does not
            end with a stage or level. The error names the last word.
    """
    words = text.split()
    if not words:
        raise OverrideParseError(f"overrides.usage_{field}")

    vocabulary = _vocabulary(field)
    longest = max(len(word.split()) for word in vocabulary)
    for count in range(min(longest, len(words)), 0, -1):
        key = _normalize(" ".join(words[-count:]))
        if key not in vocabulary:
            continue
        name = " ".join(words[:-count])
        if not name:
            raise OverrideParseError(f"overrides.usage_{field}")
        return OverrideCommand(name, vocabulary[key])

    attached = _split_attached(words[-1], vocabulary)
    if attached is not None:
        name_end, choice = attached
        return OverrideCommand(" ".join([*words[:-1], name_end]), choice)
    raise OverrideParseError(f"overrides.invalid_{field}", word=words[-1])


def upgrade_level(level: Level | str, suggested: Level | str | None) -> Level | None:
    """Return ``suggested`` when it is a deeper level than ``level``, else None.

    A shallower suggestion returns None too: the bot never suggests a downgrade.
    """
    if suggested is None:
        return None
    rank = {item: position for position, item in enumerate(LEVEL_ORDER)}
    if rank[Level(suggested)] > rank[Level(level)]:
        return Level(suggested)
    return None


def _normalize(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.replace("_", " ").replace("-", " ").split())


@functools.cache
def _vocabulary(field: OverrideField) -> dict[str, Choice]:
    words: dict[str, Choice] = {}
    for choice in choices(field):
        words[_normalize(choice.value)] = choice
        for language in LANGUAGES:
            words[_normalize(choice_label(field, choice, language))] = choice
    for word in AUTOMATIC_WORDS:
        words[_normalize(word)] = None
    for language in LANGUAGES:
        words[_normalize(choice_label(field, None, language))] = None
    return words


def _split_attached(token: str, vocabulary: dict[str, Choice]) -> tuple[str, Choice] | None:
    """Split a Chinese choice word off the end of ``token``, longest word first."""
    key = _normalize(token)
    wide_words = [word for word in vocabulary if any(_is_wide(char) for char in word)]
    for word in sorted(wide_words, key=len, reverse=True):
        if key.endswith(word) and len(key) > len(word):
            return key[: -len(word)], vocabulary[word]
    return None


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"
