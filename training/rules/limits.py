"""The bounds every way into Coursebook applies: the coordinators' forms, the history
import and the report command."""

# Dates: nothing the partnership runs falls outside these years, and a typo like 9999
# would overflow the calendar arithmetic.
FIRST_YEAR, LAST_YEAR = 1990, 2100
# The most places a session can offer.
MAX_PLACES = 1000
