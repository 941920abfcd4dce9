class EvaluationError(Exception):
    """A survey action refused, with a message fit to show to the person."""


class SurveyClosedError(EvaluationError):
    pass


class SurveyAlreadySubmittedError(EvaluationError):
    pass
