from django.contrib import admin

from .models import Question, Questionnaire, SurveyInvitation


class ViewOnly:
    """To look at only: wording is changed under Questionnaires (a version with answers
    becomes a new one), and invitations are made and sent by the services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class QuestionInline(ViewOnly, admin.TabularInline):
    model = Question
    fields = ["page", "position", "key", "kind", "text", "hint", "required"]


@admin.register(Questionnaire)
class QuestionnaireAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["kind", "version", "title", "created_at"]
    list_filter = ["kind"]
    inlines = [QuestionInline]


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["kind", "booking", "sent_at", "submitted_at", "closes_at", "is_imported"]
    list_filter = ["kind", "is_imported"]
    # Never the hash or the nonce: nothing in the admin helps to make a link.
    exclude = ["token_hash", "link_nonce"]
    raw_id_fields = ["booking"]
    list_select_related = ["booking__delegate", "booking__session__course"]
