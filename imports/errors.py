"""What can stop a history import, in the coordinator's words."""


class HistoryImportError(Exception):
    """The import cannot go ahead; the message is for the coordinator."""


class HistoryProblems(HistoryImportError):
    """The files have bad rows: nothing was written. Holds every problem found."""

    def __init__(self, problems: list):
        self.problems = problems
        count = len(problems)
        super().__init__(f"{count} problem{'' if count == 1 else 's'} found: nothing was imported")


class UploadError(HistoryImportError):
    """The uploaded zip cannot be used (too large, not a zip, unsafe)."""
