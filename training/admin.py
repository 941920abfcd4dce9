from django.contrib import admin

from .models import Course, LearningOutcome, Session, Venue


class ViewOnlyAdmin(admin.ModelAdmin):
    """To look at only: changes go through the services, which audit them and keep what
    depends on them right; the admin would do neither."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LearningOutcomeInline(admin.TabularInline):
    model = LearningOutcome
    extra = 0
    fields = ["version", "position", "text", "introduced_at", "retired_at"]

    has_add_permission = ViewOnlyAdmin.has_add_permission
    has_change_permission = ViewOnlyAdmin.has_change_permission
    has_delete_permission = ViewOnlyAdmin.has_delete_permission


@admin.register(Course)
class CourseAdmin(ViewOnlyAdmin):
    # Changed through training.services.courses.course_update, which audits the change.
    list_display = ["code", "title", "programme", "level", "duration_hours", "is_active"]
    list_filter = ["programme", "is_active"]
    search_fields = ["code", "title"]
    inlines = [LearningOutcomeInline]


# Sessions are created and changed under Manage sessions, whose services lock the session,
# promote the waiting list, tell the people booked and write the audit trail.
@admin.register(Session)
class SessionAdmin(ViewOnlyAdmin):
    list_display = ["course", "starts_at", "venue", "capacity", "delivering_agency", "status"]
    list_filter = ["status", "course__programme"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["trainers"]


# Changed under Manage > Venues, through training.services.venues, which audits the change.
@admin.register(Venue)
class VenueAdmin(ViewOnlyAdmin):
    list_display = ["name", "is_online", "borough", "is_active"]
    list_filter = ["is_online", "is_active"]
    search_fields = ["name"]
