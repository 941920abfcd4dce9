class BookingError(Exception):
    """A booking rule was broken; the message is for the person who tried."""
