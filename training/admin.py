from django.contrib import admin

from .models import Course, LearningOutcome, Session, Venue


class LearningOutcomeInline(admin.TabularInline):
    model = LearningOutcome
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "programme", "level", "duration_hours", "is_active"]
    list_filter = ["programme", "is_active"]
    search_fields = ["code", "title"]
    inlines = [LearningOutcomeInline]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["course", "starts_at", "venue", "capacity", "delivering_agency", "status"]
    list_filter = ["status", "course__programme"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["trainers"]

    # To look at only. Sessions are created and changed under Manage sessions, whose
    # services lock the session, promote the waiting list, tell the people booked and
    # write the audit trail; the admin would do none of that.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(Venue)
