# ruff: noqa: E501 (CSV rows are kept whole, as a spreadsheet writes them)
"""A small history in the old system's format, with its figures worked out by hand.

Four sessions over two financial years: S1 and S2 in 2017-18, S3 (delivered) and S4
(cancelled) in 2018-19. Four people, one of them a walk-in (Dan on S1), one late
cancellation (Cat on S1: the day before) and one timely one (Cat on S3), two no-shows
(Bob on S1 absent, on S2 turned away), four evaluations.
"""

from pathlib import Path

AGENCIES = """\
name,sector,borough,pays,invoice_email
Westminster Children's Services,childrens_services,Westminster,no,
St Mary's Hospital,Health,cross-borough,No,
Little Acorns Nursery,Education: early years,Outside,yes,accounts@acorns.example.org
"""
COURSES = """\
code,title,programme,level,duration_hours,learning_outcomes
MASCP-L3,Multi-agency safeguarding,core,Level 3,6.5,Know the signs|Know how to refer
DV-1,Domestic abuse awareness,Specialist,Level 2,3,Recognise coercive control
"""
SESSIONS = """\
ref,course_code,start,end,venue,capacity,delivered_by,status
S1,MASCP-L3,2017-05-10T09:30,2017-05-10T16:00,Hammersmith Town Hall,20,Westminster Children's Services,delivered
S2,MASCP-L3,12/03/2018 09:30,12/03/2018 16:00,Hammersmith Town Hall,15,St Mary's Hospital,delivered
S3,DV-1,2018-06-01T09:30:00+01:00,2018-06-01T12:30:00+01:00,https://meet.example.org/dv,30,Westminster Children's Services,Delivered
S4,DV-1,2018-07-01T09:30,2018-07-01T12:30,Hammersmith Town Hall,30,Westminster Children's Services,cancelled
"""
BOOKINGS = """\
session_ref,email,name,agency,booked_at,status,cancelled_at,attendance
S1,Ann.Smith@Example.org,Ann Smith,Westminster Children's Services,2017-04-01T10:00,confirmed,,attended
S1,bob@example.org,Bob Jones,St Mary's Hospital,2017-04-02T10:00,confirmed,,absent
S1,cat@example.org,Cat Lee,Little Acorns Nursery,2017-04-03T10:00,cancelled,2017-05-09T10:00,
S1,dan@example.org,Dan Roe,St Mary's Hospital,2017-05-10T09:45,confirmed,,attended
S2,ann.smith@example.org,,Westminster Children's Services,01/03/2018 12:00,confirmed,,partial
S2,bob@example.org,Bob Jones,St Mary's Hospital,2018-03-01T12:00,confirmed,,turned_away
S3,ann.smith@example.org,Ann Smith,Westminster Children's Services,2018-05-01T09:00,confirmed,,attended
S3,cat@example.org,Cat Lee,Little Acorns Nursery,2018-05-01T09:00,cancelled,2018-05-02T09:00,
S4,bob@example.org,Bob Jones,St Mary's Hospital,2018-06-10T09:00,confirmed,,
"""
EVALUATIONS = """\
session_ref,email,submitted_at,experience,outcome_ratings,comment
S1,ann.smith@example.org,2017-05-10T17:00,4,2:4|1:3,Very useful
S1,DAN@example.org,2017-05-11T09:00,3,|2:3,
S2,ann.smith@example.org,2018-03-12T17:00,3,3:4|3:3,
S3,ann.smith@example.org,2018-06-02T10:00,4,2:3,
"""
HISTORY = {
    "agencies.csv": AGENCIES,
    "courses.csv": COURSES,
    "sessions.csv": SESSIONS,
    "bookings.csv": BOOKINGS,
    "evaluations.csv": EVALUATIONS,
}

# Worked out by hand from the files above.
FIGURES = {
    "sessions": 4,
    "sessions_delivered": 3,
    "bookings": 9,
    "bookings_confirmed": 7,
    # Confirmed on a delivered session before it started: the walk-in is not counted.
    "booked": 5,
    "attended": 4,  # attended or partial, the walk-in included
    "walk_ins": 1,
    "no_shows": 2,
    "late_cancellations": 1,
    "evaluations": 4,
    "outcome_ratings": 6,  # Dan left the first outcome unrated
    "people": 4,
}
YEARS = [
    {
        "year": "2017-18",
        "sessions": 2,
        "delivered": 2,
        "bookings": 6,
        "confirmed": 5,
        "attended": 3,
    },
    {
        "year": "2018-19",
        "sessions": 2,
        "delivered": 1,
        "bookings": 3,
        "confirmed": 2,
        "attended": 1,
    },
]


def write_history(directory: Path, files: dict[str, str | bytes] | None = None) -> Path:
    """Write the files (the whole history unless told otherwise) and return the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in (HISTORY if files is None else files).items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (directory / name).write_bytes(data)
    return directory


def with_line(content: str, line: int, new: str | None) -> str:
    """The file with its line `line` (the header is 1) replaced, or removed when None."""
    lines = content.splitlines()
    if new is None:
        del lines[line - 1]
    else:
        lines[line - 1] = new
    return "\n".join(lines) + "\n"
