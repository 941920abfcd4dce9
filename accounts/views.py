from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from notifications.limits import EmailLimitReached, email_request_record
from notifications.services import outbox_failed

from .errors import AccountError
from .forms import (
    AgencyFilterForm,
    AgencyForm,
    ChangeOrganisationForm,
    CurrentPasswordChangeForm,
    DetailsForm,
    EmailChangeForm,
    OrganisationChangeDecisionForm,
    OrganisationRequestDecisionForm,
    OutboxPasswordResetForm,
    PersonSearchForm,
    RegistrationForm,
    RolesForm,
    SignInForm,
)
from .models import (
    Agency,
    AgencyMembership,
    OrganisationChange,
    OrganisationRequest,
    Role,
    User,
)
from .permissions import role_required
from .selectors import organisation_waiting, pending_email_change, pending_organisation_change
from .services.credentials import email_change_confirm, email_change_request, user_change_password
from .services.organisations import (
    agency_create,
    agency_update,
    organisation_request_approve,
    organisation_request_merge,
    organisation_request_reject,
)
from .services.people import (
    organisation_change_confirm,
    organisation_change_reject,
    organisation_change_request,
    roles_set,
    user_register,
    user_resend_verification,
    user_set_password_by_link,
    user_update_details,
    user_verify_email,
)


def _client(request) -> str:
    return get_client_ip_address(request) or ""


def _too_many_emails(request, template: str, form, error: EmailLimitReached):
    form.add_error(None, str(error))
    return render(request, template, {"form": form}, status=429)


def register(request):
    if request.user.is_authenticated:
        return redirect("pages:home")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            email_request_record(email=data["email"], client=_client(request))
        except EmailLimitReached as error:
            return _too_many_emails(request, "accounts/register.html", form, error)
        try:
            user_register(
                email=data["email"],
                password=data["password1"],
                full_name=data["full_name"],
                job_title=data["job_title"],
                agency=None if data["organisation_not_listed"] else data["agency"],
                new_organisation=form.new_organisation(),
                line_manager_name=data["line_manager_name"],
                line_manager_email=data["line_manager_email"],
                access_needs=data["access_needs"],
            )
        except AccountError as error:
            form.add_error(None, str(error))
        else:
            # The same page whether or not the address already had an account.
            request.session["registered"] = {
                "email": data["email"],
                "new_organisation": bool(data["organisation_not_listed"]),
            }
            return redirect("accounts:registered")
    return render(request, "accounts/register.html", {"form": form})


def registered(request):
    registration = request.session.get("registered")
    if not registration:
        return redirect("accounts:register")
    return render(request, "accounts/registered.html", {"registration": registration})


def verify_email(request, uidb64, token):
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
        user_verify_email(user=user, token=token)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist, AccountError):
        return render(request, "accounts/verify_failed.html", status=400)
    if request.user.is_authenticated and request.user.pk != user.pk:
        # Opened where someone else is signed in: say nothing of the other account.
        messages.success(request, "The email address is confirmed.")
        return redirect("accounts:profile")
    signed_in = request.user.is_authenticated
    messages.success(request, _confirmed_message(user, signed_in=signed_in))
    return redirect("accounts:profile" if signed_in else "accounts:login")


def _confirmed_message(user: User, *, signed_in: bool) -> str:
    """What a person whose address is now confirmed can do: book, or not yet while their
    organisation waits for a coordinator."""
    confirmed = "Your email address is confirmed."
    sign_in = "" if signed_in else " Sign in to see your account."
    if user.agency_id is None:
        if organisation_waiting(user):
            return (
                f"{confirmed}{sign_in} You can book training once a coordinator confirms "
                "your organisation."
            )
        return (
            f"{confirmed}{sign_in} To book training, choose your organisation on your "
            "account page."
        )
    change = pending_organisation_change(user)
    if change is not None:
        return (
            f"{confirmed}{sign_in} You can book training under {user.agency}; your move to "
            f"{change.agency} is waiting for a coordinator to confirm it."
        )
    if not signed_in:
        return f"{confirmed} Sign in to book training."
    return f"{confirmed} You can now book training."


@login_required
@require_POST
def resend_verification(request):
    try:
        email_request_record(email=request.user.email, client=_client(request))
        user_resend_verification(user=request.user)
    except (AccountError, EmailLimitReached) as error:
        messages.info(request, str(error))
    else:
        messages.success(request, f"We have sent a new link to {request.user.email}.")
    return redirect("accounts:profile")


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        # With no page asked for, coordinators land on their home page.
        if self.request.user.has_role(Role.COORDINATOR):
            return reverse("training:manage_home")
        return super().get_default_redirect_url()


class PasswordResetView(auth_views.PasswordResetView):
    form_class = OutboxPasswordResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        try:
            email_request_record(email=form.cleaned_data["email"], client=_client(self.request))
        except EmailLimitReached as error:
            return _too_many_emails(self.request, self.template_name, form, error)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view (it swaps the link's token for a session key on the first request),
    saving the password through user_set_password_by_link."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        user_set_password_by_link(user=self.user, password=form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return redirect(self.get_success_url())


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view (signed in only), with the current password checked as sign-in checks
    it, the change saved by user_change_password, and the session kept signed in."""

    form_class = CurrentPasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        user = user_change_password(
            user=self.request.user, password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(self.request, user)
        messages.success(
            self.request,
            "Your password has been changed. You are still signed in here; anywhere else "
            "you were signed in, you need to sign in again.",
        )
        return redirect(self.get_success_url())


@login_required
@sensitive_post_parameters("password")
def email_change(request):
    form = EmailChangeForm(
        request.POST if request.method == "POST" else None, user=request.user, request=request
    )
    context = {"form": form, "pending_email": pending_email_change(request.user)}
    if request.method == "POST" and form.is_valid():
        new_email = form.cleaned_data["email"]
        try:
            email_request_record(email=new_email, client=_client(request))
        except EmailLimitReached as error:
            form.add_error(None, str(error))
            return render(request, "accounts/email_change.html", context, status=429)
        try:
            email_change_request(user=request.user, new_email=new_email)
        except AccountError as error:
            form.add_error("email", str(error))
        else:
            # The same whether or not another account uses the address.
            messages.success(
                request,
                f"We have sent a link to {new_email}. Open it to start using that address; "
                f"until then, sign in with {request.user.email}.",
            )
            return redirect("accounts:profile")
    return render(request, "accounts/email_change.html", context)


def email_change_confirm_view(request, token):
    try:
        user = email_change_confirm(token=token)
    except AccountError as error:
        return render(
            request, "accounts/email_change_failed.html", {"problem": str(error)}, status=400
        )
    if request.user.is_authenticated and request.user.pk != user.pk:
        # Opened where someone else is signed in: confirmed, without naming the account.
        messages.success(request, "The new email address is confirmed.")
        return redirect("accounts:profile")
    messages.success(request, f"Your email address is now {user.email}. Sign in with it.")
    return redirect("accounts:profile" if request.user.is_authenticated else "accounts:login")


@login_required
def profile(request):
    memberships = AgencyMembership.objects.filter(user=request.user).select_related("agency")
    pending = OrganisationRequest.objects.filter(
        requested_by=request.user, status=OrganisationRequest.Status.PENDING
    )
    return render(
        request,
        "accounts/profile.html",
        {
            "memberships": memberships,
            "pending_requests": pending,
            "pending_change": pending_organisation_change(request.user),
            "pending_email": pending_email_change(request.user),
        },
    )


@login_required
def details_edit(request):
    user = request.user
    form = DetailsForm(
        request.POST or None,
        initial={
            "full_name": user.full_name,
            "line_manager_name": user.line_manager_name,
            "line_manager_email": user.line_manager_email,
            "access_needs": user.access_needs,
        },
    )
    if request.method == "POST" and form.is_valid():
        user_update_details(user=user, **form.cleaned_data)
        messages.success(request, "Your details have been updated.")
        return redirect("accounts:profile")
    return render(request, "accounts/details_edit.html", {"form": form})


@login_required
def organisation_change(request):
    form = ChangeOrganisationForm(
        request.POST or None, initial={"job_title": request.user.job_title}
    )
    if request.method == "POST" and form.is_valid():
        agency = form.cleaned_data["agency"]
        try:
            user = organisation_change_request(
                user=request.user, agency=agency, job_title=form.cleaned_data["job_title"]
            )
        except AccountError as error:
            form.add_error("agency", str(error))
        else:
            if user.agency_id == agency.pk:
                messages.success(request, "Your job title has been updated.")
            else:
                current = user.agency or "your confirmed organisation"
                messages.success(
                    request,
                    f"Your move to {agency} is waiting for a coordinator to confirm it. "
                    f"Until then you book under {current}, and charges go to it.",
                )
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/organisation_change.html",
        {"form": form, "pending_change": pending_organisation_change(request.user)},
    )


# Coordinators --------------------------------------------------------------------------


@role_required(Role.COORDINATOR)
def agency_list(request):
    filters = AgencyFilterForm(request.GET or None)
    agencies = Agency.objects.select_related("borough").annotate(
        people_count=Count("people", filter=Q(people__is_active=True))
    )
    if filters.is_valid():
        if filters.cleaned_data["q"]:
            agencies = agencies.filter(name__icontains=filters.cleaned_data["q"])
        if filters.cleaned_data["sector"]:
            agencies = agencies.filter(sector=filters.cleaned_data["sector"])
    page = Paginator(agencies.order_by("name"), 50).get_page(request.GET.get("page"))
    pending = OrganisationRequest.objects.filter(status=OrganisationRequest.Status.PENDING)
    changes = OrganisationChange.objects.filter(status=OrganisationChange.Status.PENDING)
    return render(
        request,
        "accounts/agency_list.html",
        {
            "filters": filters,
            "page": page,
            "pending_count": pending.count(),
            "emails_not_sent": outbox_failed().count(),
            "changes_count": changes.count(),
        },
    )


@role_required(Role.COORDINATOR)
def agency_create_view(request):
    form = AgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agency = agency_create(actor=request.user, **form.cleaned_data)
        except AccountError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"{agency} has been added.")
            return redirect("accounts:agency_list")
    return render(request, "accounts/agency_form.html", {"form": form, "agency": None})


@role_required(Role.COORDINATOR)
def agency_edit(request, pk):
    agency = get_object_or_404(Agency, pk=pk)
    form = AgencyForm(request.POST or None, instance=Agency.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            agency_update(agency=agency, actor=request.user, **form.cleaned_data)
        except AccountError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"{agency} has been updated.")
            return redirect("accounts:agency_list")
    return render(request, "accounts/agency_form.html", {"form": form, "agency": agency})


@role_required(Role.COORDINATOR)
def organisation_requests(request):
    pending = OrganisationRequest.objects.filter(
        status=OrganisationRequest.Status.PENDING
    ).select_related("requested_by", "borough")
    changes = OrganisationChange.objects.filter(
        status=OrganisationChange.Status.PENDING
    ).select_related("user__agency", "agency")
    return render(
        request,
        "accounts/organisation_requests.html",
        {"requests": pending, "changes": changes},
    )


@role_required(Role.COORDINATOR)
def organisation_change_decide(request, pk):
    change = get_object_or_404(
        OrganisationChange.objects.select_related("user__agency", "agency"), pk=pk
    )
    form = OrganisationChangeDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "confirm":
                organisation_change_confirm(change=change, actor=request.user)
                messages.success(
                    request, f"{change.user.full_name} now works for {change.agency}."
                )
            else:
                organisation_change_reject(
                    change=change, actor=request.user, note=form.cleaned_data["note"]
                )
                messages.success(request, "The change has been turned down.")
        except AccountError as error:
            form.add_error(None, str(error))
        else:
            return redirect("accounts:organisation_requests")
    return render(
        request, "accounts/organisation_change_decide.html", {"form": form, "change": change}
    )


@role_required(Role.COORDINATOR)
def organisation_request_decide(request, pk):
    org_request = get_object_or_404(
        OrganisationRequest.objects.select_related("requested_by", "borough"), pk=pk
    )
    form = OrganisationRequestDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            if decision == "approve":
                agency = organisation_request_approve(request=org_request, actor=request.user)
                messages.success(request, f"{agency} has been added.")
            elif decision == "merge":
                agency = organisation_request_merge(
                    request=org_request, agency=form.cleaned_data["agency"], actor=request.user
                )
                messages.success(request, f"The request has been matched to {agency}.")
            else:
                organisation_request_reject(
                    request=org_request, actor=request.user, note=form.cleaned_data["note"]
                )
                messages.success(request, "The request has been rejected.")
        except AccountError as error:
            form.add_error(None, str(error))
        else:
            return redirect("accounts:organisation_requests")
    return render(
        request,
        "accounts/organisation_request_decide.html",
        {"form": form, "org_request": org_request},
    )


PEOPLE_PER_PAGE = 50


@role_required(Role.COORDINATOR)
def people(request):
    # The search is posted, not put in the address, so that the names and email addresses
    # searched for stay out of browser histories and the web server's access logs.
    search = PersonSearchForm(request.POST if request.method == "POST" else None)
    everyone = (
        User.objects.select_related("agency")
        .prefetch_related("groups")
        .order_by("full_name", "pk")
    )
    if search.is_bound and search.is_valid() and search.cleaned_data["q"].strip():
        term = search.cleaned_data["q"].strip()
        matches = list(
            everyone.filter(Q(full_name__icontains=term) | Q(email__icontains=term))[
                : PEOPLE_PER_PAGE + 1
            ]
        )
        return render(
            request,
            "accounts/people.html",
            {
                "search": search,
                "people": matches[:PEOPLE_PER_PAGE],
                "more_matches": len(matches) > PEOPLE_PER_PAGE,
            },
        )
    page = Paginator(everyone, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "accounts/people.html", {"search": search, "people": page, "page": page}
    )


@role_required(Role.COORDINATOR)
def person_roles(request, pk):
    person = get_object_or_404(User.objects.select_related("agency"), pk=pk)
    current = [group.name for group in person.groups.all()]
    form = RolesForm(
        request.POST if request.method == "POST" else None, initial={"roles": current}
    )
    if request.method == "POST" and form.is_valid():
        try:
            roles_set(user=person, roles=set(form.cleaned_data["roles"]), actor=request.user)
        except AccountError as error:
            form.add_error("roles", str(error))
        else:
            messages.success(request, f"The roles of {person.full_name} have been saved.")
            return redirect("accounts:people")
    return render(request, "accounts/person_roles.html", {"form": form, "person": person})
