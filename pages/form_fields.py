"""Form fields every app's forms share."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator


class OneLineField(forms.CharField):
    """Text meant for one line: a name, a title, a subject. Line breaks, tabs and runs of
    spaces pasted into it become single spaces, so what is kept never breaks an email's
    greeting or header, a register's row or a spreadsheet's cell."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for validator in self.validators:
            if isinstance(validator, ProhibitNullCharactersValidator):
                validator.message = "Remove the hidden characters from this answer"

    def to_python(self, value):
        value = super().to_python(value)
        return " ".join(value.split()) if value else value


class DecimalNumberField(forms.DecimalField):
    """A number typed as digits with at most one decimal point (not "1e1" or "NaN"), and
    one error at a time: the first rule it breaks, in the form's own words, so a length of
    200 hours is "24 hours or less" rather than that and a count of digits."""

    PLAIN = re.compile(r"-?[0-9]+(\.[0-9]+)?|-?\.[0-9]+")

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not self.PLAIN.fullmatch(value.strip()):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)

    def run_validators(self, value):
        if value in self.empty_values:
            return
        places = -value.as_tuple().exponent if value.is_finite() else 0
        if self.decimal_places is not None and places > self.decimal_places:
            code = "max_decimal_places"  # Before the count of digits it also breaks.
            raise ValidationError(
                self.error_messages.get(code, "Enter fewer decimal places"), code=code
            )
        for validator in self.validators:
            try:
                validator(value)
            except ValidationError as error:
                code = getattr(error, "code", None)
                if code in ("max_digits", "max_whole_digits") and code not in self.error_messages:
                    code = "max_value" if "max_value" in self.error_messages else "invalid"
                if code in self.error_messages:
                    raise ValidationError(self.error_messages[code], code=code) from error
                raise ValidationError(error.messages[0], code=code) from error


class EmailAddressField(forms.EmailField):
    """An email address mail can be delivered to: at most the 254 characters the database
    holds, a local part in plain ASCII (lower-casing "İ" would change it, and most mail
    servers refuse anything else) and a domain name rather than an address in brackets."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        local, _, domain = value.rpartition("@")
        if not local.isascii() or domain.startswith("["):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
