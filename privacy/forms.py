from django import forms


class EraseForm(forms.Form):
    reason = forms.CharField(
        label="Why is this person's data being erased?",
        help_text=(
            "For example: erasure requested by email on 3 March. This is kept in the audit trail."
        ),
        max_length=300,
        error_messages={"required": "Enter the reason for erasing this person's data"},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label="I understand that this cannot be undone",
        error_messages={"required": "Confirm that you understand this cannot be undone"},
    )
