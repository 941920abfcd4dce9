"""Reading the old system's CSV files: the format of DESIGN section 6, and each value's rules.

Bytes in, rows and problems out; nothing here touches the database. A problem names the
file, the line a person sees in a text editor or spreadsheet (the header is line 1), the
column, and the reason.
"""

import csv
import difflib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from training.rules.limits import FIRST_YEAR, LAST_YEAR, MAX_PLACES

LONDON = ZoneInfo("Europe/London")
# The course form's longest course, so that an imported course can be edited there later.
MAX_HOURS = Decimal("24")


@dataclass(frozen=True)
class FileSpec:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


AGENCIES = FileSpec("agencies.csv", ("name", "sector", "borough", "pays"), ("invoice_email",))
COURSES = FileSpec(
    "courses.csv",
    ("code", "title", "programme", "level", "duration_hours", "learning_outcomes"),
)
SESSIONS = FileSpec(
    "sessions.csv",
    ("ref", "course_code", "start", "end", "venue", "capacity", "delivered_by", "status"),
)
BOOKINGS = FileSpec(
    "bookings.csv",
    (
        "session_ref",
        "email",
        "name",
        "agency",
        "booked_at",
        "status",
        "cancelled_at",
        "attendance",
    ),
)
EVALUATIONS = FileSpec(
    "evaluations.csv",
    ("session_ref", "email", "submitted_at", "experience", "outcome_ratings"),
    ("comment",),
)
# In the order they are read and reported: each refers only to the ones before it.
FILES = (AGENCIES, COURSES, SESSIONS, BOOKINGS, EVALUATIONS)
FILE_NAMES = tuple(spec.name for spec in FILES)


@dataclass(frozen=True, order=True)
class Problem:
    file_order: int
    line: int
    file: str = field(compare=False)
    column: str = field(compare=False)
    reason: str = field(compare=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.reason}"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "column": self.column, "reason": self.reason}


def problem(file: str, line: int, column: str, reason: str) -> Problem:
    order = FILE_NAMES.index(file) if file in FILE_NAMES else len(FILE_NAMES)
    return Problem(order, line, file, column, reason)


@dataclass
class Row:
    line: int
    values: dict[str, str]


@dataclass
class CsvFile:
    spec: FileSpec
    present: bool = False
    # False when the header or the text could not be read: its rows are unknown, so
    # references to them are not reported as unknown.
    readable: bool = True
    rows: list[Row] = field(default_factory=list)


def _decode(spec: FileSpec, data: bytes, problems: list[Problem]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as error:
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                continue
            problems.append(
                problem(
                    spec.name,
                    number,
                    "(text)",
                    f"byte 0x{raw[error.start]:02X} is not UTF-8 text: save the file as CSV UTF-8",
                )
            )
    return data.decode("utf-8-sig", errors="replace")


def _header(spec: FileSpec, cells: list[str], problems: list[Problem]) -> list[str] | None:
    names = [cell.strip().lower() for cell in cells]
    found = False
    seen: set[str] = set()
    for name in names:
        if not name:
            continue
        if name in seen:
            problems.append(problem(spec.name, 1, name, "this column is named twice"))
            found = True
        elif name not in spec.columns:
            reason = f"unknown column '{name}'{did_you_mean(name, spec.columns)}"
            problems.append(problem(spec.name, 1, name, reason))
            found = True
        seen.add(name)
    for name in spec.required:
        if name not in seen:
            problems.append(
                problem(
                    spec.name,
                    1,
                    name,
                    f"the header has no '{name}' column: it must name {', '.join(spec.columns)}",
                )
            )
            found = True
    return None if found else names


def read_csv(spec: FileSpec, data: bytes, problems: list[Problem]) -> CsvFile:
    """The rows of one file, their values stripped, blank lines skipped; problems with the
    text, the header or a row's shape go into `problems`."""
    result = CsvFile(spec=spec, present=True)
    before = len(problems)
    text = _decode(spec, data, problems)
    # Names with bad bytes match nothing: references to this file are not checked.
    result.readable = len(problems) == before
    if not text.strip():
        problems.append(
            problem(
                spec.name,
                1,
                "(header)",
                f"the file is empty: it needs a header row naming {', '.join(spec.columns)}",
            )
        )
        result.readable = False
        return result
    reader = csv.reader(io.StringIO(text, newline=""))
    header = None
    line = 1
    try:
        for cells in reader:
            if header is None:
                header = _header(spec, cells, problems)
                if header is None:
                    result.readable = False
                    return result
                line = reader.line_num + 1
                continue
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            extra = [cell for cell in cells[len(header) :] if cell.strip()]
            if extra:
                problems.append(
                    problem(
                        spec.name,
                        start,
                        "(row)",
                        f"the row has {len(cells)} cells but the header names {len(header)} "
                        "columns",
                    )
                )
                continue
            values = dict.fromkeys(spec.columns, "")
            for name, cell in zip(header, cells, strict=False):
                if name:
                    values[name] = cell.strip()
            result.rows.append(Row(start, values))
    except csv.Error as error:
        problems.append(problem(spec.name, line, "(row)", f"the file cannot be read: {error}"))
        result.readable = False
    return result


def read_directory(directory: Path, problems: list[Problem]) -> dict[str, CsvFile]:
    """The five files of a directory; a missing file is simply absent."""
    files = {}
    for spec in FILES:
        path = Path(directory) / spec.name
        files[spec.name] = (
            read_csv(spec, path.read_bytes(), problems) if path.is_file() else (CsvFile(spec=spec))
        )
    return files


# Values -----------------------------------------------------------------------------------


class BadValue(ValueError):
    """A cell's value breaks its column's rule; the message says how."""


def did_you_mean(value: str, candidates: Iterable[str]) -> str:
    """' (did you mean 'X'?)' for the closest candidate, matched without regard to case."""
    by_lower: dict[str, str] = {}
    for candidate in candidates:
        by_lower.setdefault(candidate.lower(), candidate)
    lowered = value.lower()
    if lowered in by_lower:
        return f": did you mean '{by_lower[lowered]}'?"
    close = difflib.get_close_matches(lowered, list(by_lower), n=1, cutoff=0.75)
    return f": did you mean '{by_lower[close[0]]}'?" if close else ""


def word(value: str) -> str:
    """How accepted words are compared: without regard to case or surrounding spaces."""
    return " ".join(value.strip().lower().split())


YES_NO = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False}
YES_NO.update({"false": False, "0": False})


def parse_yes_no(value: str) -> bool:
    try:
        return YES_NO[word(value)]
    except KeyError:
        raise BadValue(f"'{value}' is not yes or no: use yes/no, y/n, true/false or 1/0") from None


def parse_choice(value: str, accepted: dict[str, str], what: str) -> str:
    """One of the accepted words (keys, compared as `word`), as its stored value."""
    try:
        return accepted[word(value)]
    except KeyError:
        shown = sorted(set(accepted) - {key for key in accepted if " " in key})
        hint = did_you_mean(value, accepted)
        raise BadValue(
            f"unknown {what} '{value}'{hint or ''}"
            + ("" if hint else f": use one of {', '.join(shown)}")
        ) from None


_UK_MOMENT = re.compile(
    r"^(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})"
    r"(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?$",
    re.ASCII,
)


def _naive_moment(value: str) -> datetime:
    match = _UK_MOMENT.match(value)
    if match:
        parts = {name: int(number or 0) for name, number in match.groupdict().items()}
        return datetime(**parts)
    if not value.isascii() or not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        raise ValueError
    return datetime.fromisoformat(value)


def parse_moment(value: str) -> datetime:
    """ISO 8601 with or without an offset (Europe/London when none), or DD/MM/YYYY HH:MM;
    a London time the clocks skipped is refused rather than guessed. Years run from
    FIRST_YEAR to LAST_YEAR, as in the coordinators' forms."""
    try:
        moment = _naive_moment(value.strip())
    except ValueError:
        raise BadValue(
            f"'{value}' is not a date and time: use 2018-03-31T09:30 or 31/03/2018 09:30"
        ) from None
    # Checked before any conversion: a year near 1 or 9999 moved by its offset overflows.
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise BadValue(f"'{value}' is not a year from {FIRST_YEAR} to {LAST_YEAR}")
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    aware = moment.replace(tzinfo=LONDON)
    if aware.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) != moment:
        raise BadValue(f"'{value}' did not happen in London: the clocks went forward an hour")
    return aware.astimezone(UTC)


def parse_email(value: str) -> str:
    email = value.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise BadValue(f"'{value}' is not an email address") from None
    return email


def parse_whole_number(value: str, *, low: int, high: int, what: str) -> int:
    """A whole number from low to high, in the digits 0-9 only (not '²' or '٣')."""
    value = value.strip()
    if not re.fullmatch(r"[0-9]+", value):
        raise BadValue(f"'{value}' is not a whole number")
    # Compared as text first: a thousand-digit number is never turned into an int.
    if len(value.lstrip("0")) > len(str(high)) or not low <= int(value) <= high:
        raise BadValue(f"{what} '{value}' is not from {low:,} to {high:,}")
    return int(value)


def parse_capacity(value: str) -> int:
    """Places on a session: from 1 to the session form's MAX_PLACES."""
    return parse_whole_number(value, low=1, high=MAX_PLACES, what="capacity")


def parse_hours(value: str) -> Decimal:
    try:
        hours = Decimal(value.strip())
    except InvalidOperation:
        raise BadValue(f"'{value}' is not a number of hours, for example 3.5") from None
    if (
        not hours.is_finite()
        or hours <= 0
        or hours > MAX_HOURS
        or hours != hours.quantize(Decimal("0.1"))
    ):
        raise BadValue(
            f"'{value}' is not a number of hours above 0 and up to {MAX_HOURS}, with at most "
            "one decimal"
        )
    return hours.quantize(Decimal("0.1"))


def parse_rating(value: str) -> int | None:
    """A 1-4 rating, or None when the cell is empty."""
    value = value.strip()
    if not value:
        return None
    if not re.fullmatch(r"0*[1-4]", value):
        raise BadValue(f"rating '{value}' is outside 1-4 (Poor 1 to Excellent 4)")
    return int(value)


def parse_outcome_ratings(value: str, outcomes: int) -> list[tuple[int | None, int | None]]:
    """`before:after` pairs in learning-outcome order, separated by `|`; an empty pair is an
    outcome not rated. An empty cell rates none."""
    if not value.strip():
        return []
    pairs = value.split("|")
    if len(pairs) != outcomes:
        raise BadValue(
            f"{len(pairs)} before:after pair{'' if len(pairs) == 1 else 's'} given, but the "
            f"course has {outcomes} learning outcome{'' if outcomes == 1 else 's'}"
        )
    ratings = []
    for position, pair in enumerate(pairs, start=1):
        if not pair.strip():
            ratings.append((None, None))
            continue
        if pair.count(":") != 1:
            raise BadValue(f"outcome {position}: '{pair}' is not a before:after pair, e.g. 2:4")
        before, after = pair.split(":")
        try:
            ratings.append((parse_rating(before), parse_rating(after)))
        except BadValue as error:
            raise BadValue(f"outcome {position}: {error}") from None
    return ratings


def text(value: str, *, max_length: int, what: str) -> str:
    if len(value) > max_length:
        raise BadValue(f"the {what} is {len(value)} characters long: at most {max_length}")
    return value
