"""URL converters shared by the apps."""

# The biggest id the databases store (PostgreSQL's bigint, SQLite's INTEGER).
MAX_ID = 2**63 - 1


class RecordIdConverter:
    """A record's id in a URL: digits 0-9 only, and no bigger than the databases store,
    so that a longer number is a 404 rather than an overflow when it is looked up
    (Django's ``int`` converter lets any length through)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("too big for an id")  # Django then tries the next pattern: 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)
