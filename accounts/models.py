"""People and the organisations they work for."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from .tokens import email_change_token


class Role(models.TextChoices):
    """Roles are auth groups of these names; every account is a delegate."""

    DELEGATE = "delegate", "Delegate"
    TRAINER = "trainer", "Trainer"
    COORDINATOR = "coordinator", "Coordinator"
    REVIEWER = "reviewer", "Reviewer"


class Sector(models.TextChoices):
    HEALTH = "health", "Health"
    POLICE = "police", "Police"
    PROBATION = "probation", "Probation"
    CHILDRENS_SERVICES = "childrens_services", "Children's services"
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    SCHOOL = "school", "Education: school"
    EARLY_YEARS = "early_years", "Education: early years"
    FURTHER_EDUCATION = "further_education", "Education: further education"
    HOUSING = "housing", "Housing"
    VOLUNTARY = "voluntary", "Voluntary and community"
    FAITH = "faith", "Faith"
    PRIVATE = "private", "Private or independent"
    OTHER = "other", "Other"


class Borough(models.Model):
    """One of the partnership's boroughs, or 'cross-borough', or 'outside the area'."""

    class Kind(models.TextChoices):
        PARTNERSHIP = "partnership", "Partnership borough"
        CROSS_BOROUGH = "cross_borough", "Cross-borough"
        OUTSIDE = "outside", "Outside the area"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PARTNERSHIP)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name


class Agency(models.Model):
    """An organisation delegates work for, and the one charges are invoiced to."""

    name = models.CharField(max_length=200)
    sector = models.CharField(max_length=30, choices=Sector.choices)
    borough = models.ForeignKey(Borough, on_delete=models.PROTECT, related_name="agencies")
    pays_for_places = models.BooleanField(
        "pays for places",
        default=False,
        help_text="Private or profit-making organisations, and those from outside the area.",
    )
    invoice_contact_name = models.CharField(max_length=200, blank=True)
    invoice_contact_email = models.EmailField(blank=True)
    invoice_address = models.TextField(blank=True)
    purchase_order_ref = models.CharField("purchase order reference", max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="agency_name_unique_ci",
                violation_error_message="An organisation with this name already exists",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("accounts:agency_edit", args=[self.pk])


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("email_verified_at", timezone.now())
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: delegate always, and trainer, coordinator or reviewer by group."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200, blank=True)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="people"
    )
    line_manager_name = models.CharField(max_length=200, blank=True)
    line_manager_email = models.EmailField(blank=True)
    access_needs = models.TextField(blank=True)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_ci",
                violation_error_message="An account with this email address already exists",
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    def role_names(self) -> set[str]:
        """The user's roles; cached on the instance so a page asks the database once."""
        if not hasattr(self, "_role_names"):
            self._role_names = {Role.DELEGATE.value} | set(
                self.groups.values_list("name", flat=True)
            )
        return self._role_names

    def has_role(self, role: str) -> bool:
        return self.is_superuser or role in self.role_names()


class AgencyMembership(models.Model):
    """Where a person worked when: changing organisation keeps the history."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    job_title = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(ended_at__isnull=True),
                name="one_current_membership_per_user",
            ),
        ]

    def __str__(self):
        return f"{self.user} at {self.agency}"


class OrganisationRequest(models.Model):
    """'My organisation is not listed': a coordinator approves it or merges it into one."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a coordinator"
        APPROVED = "approved", "Added as a new organisation"
        MERGED = "merged", "Matched to an existing organisation"
        REJECTED = "rejected", "Rejected"

    requested_by = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="organisation_requests"
    )
    name = models.CharField("organisation name", max_length=200)
    sector = models.CharField(max_length=30, choices=Sector.choices)
    borough = models.ForeignKey(Borough, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    agency = models.ForeignKey(
        Agency, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return self.name


class OrganisationChange(models.Model):
    """A person's move to another listed organisation. Bookings and charges follow it only
    once a coordinator confirms it; until then the person books under the confirmed one."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a coordinator"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Replaced by a later request"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="organisation_changes")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    job_title = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="one_pending_organisation_change_per_user",
            ),
        ]

    def __str__(self):
        return f"{self.user} to {self.agency}"


class EmailChange(models.Model):
    """A person's new email address, waiting for them to open the link sent to it.

    Until then they sign in with the old one. The link's token is an HMAC of `nonce`
    under SECRET_KEY and the database holds only its SHA-256 (accounts.tokens), so a
    copy of the database holds no working link.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the link to be opened"
        CONFIRMED = "confirmed", "Confirmed"
        WITHDRAWN = "withdrawn", "Replaced by a later request"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_changes")
    old_email = models.EmailField()
    new_email = models.EmailField()
    nonce = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="one_pending_email_change_per_user",
            ),
        ]

    def __str__(self):
        return f"{self.user}: new email address"

    @property
    def link_path(self) -> str:
        """The path of the link mailed to the new address, its token made afresh."""
        return reverse("accounts:email_change_confirm", args=[email_change_token(self.nonce)])
