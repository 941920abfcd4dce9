from django import forms


class RetryForm(forms.Form):
    """Which failed messages to send again: one (its id) or, with none given, all listed."""

    message = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
