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
    # Capacity and status change who holds a place: only the services, with the session
    # locked, the waiting list promoted, people told and the audit trail written, change
    # them (Training → Manage sessions).
    readonly_fields = ["capacity", "status", "register_closed_at"]


admin.site.register(Venue)
