"""The bounds every way into Coursebook applies: the coordinators' forms, the history
import and the report command."""

# Dates: nothing the partnership runs falls outside these years, and a typo like 9999
# would overflow the calendar arithmetic.
FIRST_YEAR, LAST_YEAR = 1990, 2100
# The most places a session can offer.
MAX_PLACES = 1000
# The longest a course may be, in hours: a day's training.
MAX_COURSE_HOURS = 24
# Learning outcomes a course may have: enough for any workshop, few enough to rate on one
# evaluation page.
MAX_OUTCOMES = 30
# The longest a training record counts before a refresher, in months.
MAX_REFRESH_MONTHS = 120
