class ReportError(Exception):
    """A report that cannot be made as asked; the message is for the person asking."""
