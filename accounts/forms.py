from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm
from django.urls import reverse

from notifications.services import outbox_enqueue
from pages.form_fields import EmailAddressField, OneLineField

from .models import Agency, Borough, Role, Sector, User
from .signin import email_normalise


class AgencyChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            queryset=Agency.objects.filter(is_active=True).order_by("name"),
            empty_label="Select your organisation",
            **kwargs,
        )


class RegistrationForm(forms.Form):
    full_name = OneLineField(
        label="Full name", max_length=200, error_messages={"required": "Enter your full name"}
    )
    email = EmailAddressField(
        label="Work email address",
        help_text="We will send a link to confirm it.",
        error_messages={
            "required": "Enter your work email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )
    job_title = OneLineField(
        label="Job title", max_length=200, error_messages={"required": "Enter your job title"}
    )
    agency = AgencyChoiceField(label="Organisation", required=False)
    organisation_not_listed = forms.BooleanField(
        label="My organisation is not listed", required=False
    )
    new_organisation_name = OneLineField(
        label="Name of your organisation", max_length=200, required=False
    )
    new_organisation_sector = forms.ChoiceField(
        label="Sector", choices=[("", "Select a sector"), *Sector.choices], required=False
    )
    new_organisation_borough = forms.ModelChoiceField(
        label="Borough",
        queryset=Borough.objects.all(),
        empty_label="Select a borough",
        required=False,
    )
    line_manager_name = OneLineField(
        label="Line manager's name (optional)", max_length=200, required=False
    )
    line_manager_email = EmailAddressField(
        label="Line manager's email address (optional)",
        required=False,
        help_text="We copy them into booking confirmations, reminders and non-attendance notices.",
    )
    access_needs = forms.CharField(
        label="Access needs (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example a hearing loop, step-free access or dietary needs.",
    )
    password1 = forms.CharField(
        label="Create a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters. Avoid common words and your name.",
        error_messages={"required": "Create a password"},
    )
    password2 = forms.CharField(
        label="Confirm your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Confirm your password"},
    )

    def clean_email(self):
        # Whether the address has an account is not said here (see user_register).
        return email_normalise(self.cleaned_data["email"])

    def clean(self):
        data = super().clean()
        if data.get("organisation_not_listed"):
            for name, message in [
                ("new_organisation_name", "Enter the name of your organisation"),
                ("new_organisation_sector", "Select your organisation's sector"),
                ("new_organisation_borough", "Select your organisation's borough"),
            ]:
                if not data.get(name):
                    self.add_error(name, message)
        elif not data.get("agency") and "agency" not in self.errors:
            self.add_error(
                "agency", "Select your organisation, or tick 'My organisation is not listed'"
            )
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The passwords do not match")
        elif password1:
            candidate = User(email=data.get("email") or "", full_name=data.get("full_name") or "")
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data

    def new_organisation(self) -> dict | None:
        if not self.cleaned_data.get("organisation_not_listed"):
            return None
        return {
            "name": self.cleaned_data["new_organisation_name"].strip(),
            "sector": self.cleaned_data["new_organisation_sector"],
            "borough": self.cleaned_data["new_organisation_borough"],
        }


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct email address and password",
        "inactive": "This account has been closed",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autocomplete": "email", "spellcheck": "false"}
        )
        self.fields["password"].label = "Password"

    def clean_username(self) -> str:
        # Authenticated and throttled under one spelling (see accounts.signin).
        return email_normalise(self.cleaned_data.get("username"))


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, delivering through the outbox like every other message.

    Unlike Django's, it also answers accounts that have no password yet (walk-ins recorded
    by a trainer, people brought by the history import): their link sets the first one.
    """

    def get_users(self, email):
        return User.objects.filter(email__iexact=email_normalise(email), is_active=True)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        first_password = not context["user"].has_usable_password()
        outbox_enqueue(
            kind="password_set" if first_password else "password_reset",
            to=[to_email],
            subject=(
                "Choose a password for your Coursebook account"
                if first_password
                else "Reset your Coursebook password"
            ),
            template="accounts/password_set" if first_password else "accounts/password_reset",
            context={
                "path": reverse(
                    "accounts:password_reset_confirm", args=[context["uid"], context["token"]]
                )
            },
        )


class CurrentPasswordMixin:
    """The current password, checked by authenticate() as signing in checks it, so that
    wrong guesses count towards the same lockout (django-axes: five per account and
    address, then a pause), and a locked-out account cannot be changed meanwhile."""

    current_password_incorrect = "Your current password is incorrect"

    def check_current_password(self, password: str) -> None:
        signed_in = authenticate(self.request, username=self.user.email, password=password)
        if signed_in is None or signed_in.pk != self.user.pk:
            raise forms.ValidationError(self.current_password_incorrect)


class CurrentPasswordChangeForm(CurrentPasswordMixin, PasswordChangeForm):
    """Django's password change form, in Coursebook's words and sign-in's throttling."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_mismatch": "The new passwords do not match",
    }

    def __init__(self, user, *args, request, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)
        current, new, confirm = (
            self.fields[name] for name in ("old_password", "new_password1", "new_password2")
        )
        current.label = "Current password"
        current.widget.attrs.pop("autofocus", None)
        current.error_messages["required"] = "Enter your current password"
        new.label = "New password"
        new.help_text = "At least 10 characters. Avoid common words and your name."
        new.error_messages["required"] = "Enter a new password"
        confirm.label = "Confirm your new password"
        confirm.help_text = ""
        confirm.error_messages["required"] = "Confirm your new password"

    def clean_old_password(self) -> str:
        password = self.cleaned_data["old_password"]
        self.check_current_password(password)
        return password


class EmailChangeForm(CurrentPasswordMixin, forms.Form):
    email = EmailAddressField(
        label="New email address",
        help_text="We will send a link to it. Until you open the link, you sign in with "
        "your current email address.",
        max_length=254,
        error_messages={
            "required": "Enter your new email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
            "max_length": "The email address must be 254 characters or fewer",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Current password",
        help_text="To check that it is you.",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your current password"},
    )

    def __init__(self, *args, user: User, request, **kwargs):
        self.user, self.request = user, request
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        # Whether another account uses the address is not said here (email_change_request).
        email = email_normalise(self.cleaned_data["email"])
        if email == self.user.email.lower():
            raise forms.ValidationError("This is already your email address")
        return email

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        self.check_current_password(password)
        return password


class DetailsForm(forms.Form):
    full_name = OneLineField(label="Full name", max_length=200)
    line_manager_name = OneLineField(
        label="Line manager's name (optional)", max_length=200, required=False
    )
    line_manager_email = EmailAddressField(
        max_length=254, label="Line manager's email address (optional)", required=False
    )
    access_needs = forms.CharField(
        label="Access needs (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Access needs must be 1,000 characters or fewer"},
    )


class ChangeOrganisationForm(forms.Form):
    agency = AgencyChoiceField(label="New organisation")
    job_title = OneLineField(label="Job title there", max_length=200)


class AgencyForm(forms.ModelForm):
    """A coordinator adds or changes an organisation: the partnership's words, not the
    model's field names."""

    sector = forms.ChoiceField(
        label="Sector",
        choices=[("", "Choose a sector"), *Sector.choices],
        error_messages={
            "required": "Choose the organisation's sector",
            "invalid_choice": "Choose a sector from the list",
        },
    )
    borough = forms.ModelChoiceField(
        label="Borough",
        queryset=Borough.objects.all(),
        empty_label="Choose a borough",
        help_text="Where it works: one of the partnership's boroughs, across the boroughs, "
        "or outside the area.",
        error_messages={
            "required": "Choose the organisation's borough",
            "invalid_choice": "Choose a borough from the list",
        },
    )

    class Meta:
        model = Agency
        fields = [
            "name",
            "sector",
            "borough",
            "pays_for_places",
            "invoice_contact_name",
            "invoice_contact_email",
            "invoice_address",
            "purchase_order_ref",
            "is_active",
        ]
        field_classes = {
            "name": OneLineField,
            "invoice_contact_name": OneLineField,
            "purchase_order_ref": OneLineField,
            "invoice_contact_email": EmailAddressField,
        }
        labels = {
            "name": "Organisation name",
            "pays_for_places": "Pays for places",
            "invoice_contact_name": "Invoice contact's name (optional)",
            "invoice_contact_email": "Invoice contact's email address (optional)",
            "invoice_address": "Invoice address (optional)",
            "purchase_order_ref": "Purchase order reference (optional)",
            "is_active": "Listed for people to choose",
        }
        help_texts = {
            "pays_for_places": "Private or profit-making organisations, and those from "
            "outside the area, are charged the course fee for their places.",
            "invoice_contact_email": "Invoices and credit notes are emailed here.",
            "purchase_order_ref": "Printed on the organisation's invoices.",
            "is_active": "People choose it when they register or change organisation, "
            "trainers when they add a walk-in, coordinators as a session's delivering "
            "agency. Untick it for an organisation that has closed or merged: its people, "
            "bookings and charges are kept.",
        }
        error_messages = {
            "name": {
                "required": "Enter the organisation's name",
                "max_length": "The name must be 200 characters or fewer",
            },
            "invoice_contact_name": {
                "max_length": "The contact's name must be 200 characters or fewer"
            },
            "invoice_contact_email": {
                "invalid": "Enter an email address in the correct format, like name@example.org"
            },
            "purchase_order_ref": {
                "max_length": "The purchase order reference must be 100 characters or fewer"
            },
        }
        widgets = {"invoice_address": forms.Textarea(attrs={"rows": 3})}


class OrganisationRequestDecisionForm(forms.Form):
    DECISIONS = [
        ("approve", "Add it as a new organisation"),
        ("merge", "It is already listed: match it to an existing organisation"),
        ("reject", "Reject the request"),
    ]
    decision = forms.ChoiceField(
        label="What do you want to do?", choices=DECISIONS, widget=forms.RadioSelect
    )
    agency = forms.ModelChoiceField(
        label="Existing organisation",
        queryset=Agency.objects.filter(is_active=True),
        required=False,
        empty_label="Select an organisation",
    )
    note = forms.CharField(
        label="Reason (sent to nobody; kept in the audit trail)",
        required=False,
        max_length=1000,
        error_messages={"max_length": "The reason must be 1,000 characters or fewer"},
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "merge" and not data.get("agency"):
            self.add_error("agency", "Select the organisation to match the request to")
        if data.get("decision") == "reject" and not data.get("note"):
            self.add_error("note", "Give a reason for rejecting the request")
        return data


class OrganisationChangeDecisionForm(forms.Form):
    DECISIONS = [
        ("confirm", "Confirm the move: their new bookings and charges go to the new organisation"),
        ("reject", "Turn it down: they stay with their current organisation"),
    ]
    decision = forms.ChoiceField(
        label="What do you want to do?",
        choices=DECISIONS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to confirm the move or turn it down"},
    )
    note = forms.CharField(
        label="Reason for turning it down (kept in the audit trail)",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("note", "").strip():
            self.add_error("note", "Give a reason for turning the change down")
        return data


class AgencyFilterForm(forms.Form):
    q = OneLineField(
        label="Search by name",
        required=False,
        max_length=200,
        error_messages={"max_length": "Search for 200 characters or fewer"},
    )
    sector = forms.ChoiceField(
        label="Sector", choices=[("", "All sectors"), *Sector.choices], required=False
    )


class PersonSearchForm(forms.Form):
    q = OneLineField(
        label="Search by name or email address",
        required=False,
        max_length=200,
        error_messages={"max_length": "Search for 200 characters or fewer"},
    )


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label="Roles",
        help_text="Everyone can book training as a delegate.",
        required=False,
        choices=[
            (Role.TRAINER.value, "Trainer: takes the registers of their sessions"),
            (Role.COORDINATOR.value, "Coordinator: runs the programme, charges and invoices"),
            (Role.REVIEWER.value, "Reviewer: reads the reports"),
        ],
        widget=forms.CheckboxSelectMultiple,
    )
