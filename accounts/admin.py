from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import Agency, AgencyMembership, Borough, OrganisationRequest, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "agency", "email_verified_at", "is_active"]
    search_fields = ["email", "full_name"]
    list_filter = ["groups", "is_active"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            "Person",
            {
                "fields": [
                    "full_name",
                    "job_title",
                    "agency",
                    "line_manager_name",
                    "line_manager_email",
                    "access_needs",
                    "email_verified_at",
                ]
            },
        ),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
    ]
    add_fieldsets = [(None, {"fields": ["email", "full_name", "password1", "password2"]})]


admin.site.register(Borough)
admin.site.register(Agency)
admin.site.register(AgencyMembership)
admin.site.register(OrganisationRequest)
