class AccountError(Exception):
    """A rule about people or organisations was broken; the message is for the user."""
