class PrivacyError(Exception):
    """A request about a person's data that cannot be carried out, in words for the user."""
