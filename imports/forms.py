from django import forms

from .services.archives import max_upload_bytes
from .services.reading import FILE_NAMES


class HistoryUploadForm(forms.Form):
    archive = forms.FileField(
        label="Zip file of the CSV files",
        help_text=(
            f"Any of {', '.join(FILE_NAMES)}, saved as CSV UTF-8. "
            f"Up to {max_upload_bytes() // (1024 * 1024)} MB."
        ),
        error_messages={
            "required": "Choose the zip file to upload",
            "empty": "The file is empty: choose the zip file of the CSV files",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )
