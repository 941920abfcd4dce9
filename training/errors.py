"""Training's errors: each names its domain, and its message is for the person who tried."""


class TrainingError(Exception):
    """A training rule was broken; the message is for the person who tried."""


class BookingError(TrainingError):
    """Booking, cancelling, the waiting list, registers and charges."""


class SessionBusyError(BookingError):
    """The session stayed locked by other bookings for longer than a request may wait."""


class CourseError(TrainingError):
    """A change to the catalogue's courses."""


class TermsError(TrainingError):
    """A version of the terms and conditions."""


class InvoiceError(TrainingError):
    """Invoices and credit notes."""


class SessionError(TrainingError):
    """Creating, changing, copying and cancelling sessions."""


class ChargeError(TrainingError):
    """Waiving charges."""


class CertificateError(TrainingError):
    """Certificates of attendance."""


class SessionMessageError(TrainingError):
    """Messages to the people on a session."""


class VenueError(TrainingError):
    """A change to the venues sessions are held at."""
