"""The form for messaging the people on a session."""

from django import forms

from pages.form_fields import OneLineField

from .services.messages import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH


class LinesField(forms.CharField):
    """Text whose lines end as browsers send them (CR LF) or not, counted as one character
    each, as the text box counts them."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


class SessionMessageForm(forms.Form):
    """Who to send it to (the session's groups, each with how many people are in it), the
    subject and the message, and the form's one-off key, which makes sending it twice
    send it once."""

    groups = forms.MultipleChoiceField(
        label="Who to send it to",
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply. Each person gets their own email, and is sent it "
        "once even if they are in more than one group.",
        error_messages={
            "required": "Select who to send the message to",
            "invalid_choice": "Select who to send the message to from the list",
        },
    )
    subject = OneLineField(
        label="Subject",
        max_length=SUBJECT_MAX_LENGTH,
        help_text="For example, “Room change for 3 December”.",
        error_messages={
            "required": "Enter a subject",
            "max_length": f"The subject must be {SUBJECT_MAX_LENGTH} characters or fewer",
        },
    )
    body = LinesField(
        label="Message",
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="For example, a room change or joining instructions. The email adds the "
        "session’s date, time and place, and a link to the person’s booking.",
        error_messages={
            "required": "Enter the message",
            "max_length": f"The message must be {BODY_MAX_LENGTH:,} characters or fewer",
        },
    )
    submission = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "This form has expired: start a new message",
            "invalid": "This form has expired: start a new message",
        },
    )

    def __init__(self, *args, groups: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].choices = groups

    def clean_subject(self) -> str:
        # One line: a line break has no place in an email's subject.
        subject = " ".join(self.cleaned_data["subject"].split())
        if not subject:
            raise forms.ValidationError("Enter a subject")
        return subject

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError("Enter the message")
        return body
