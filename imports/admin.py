from django.contrib import admin

from .models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["pk", "created_at", "source", "status", "created_by", "problem_count"]
    list_filter = ["status", "source"]
    date_hierarchy = "created_at"

    # To look at only: imports run through the coordinators' page or the command, whose
    # services check, lock, write all or nothing and delete the uploaded files.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
