"""Staff change an idea's status here; the change goes through the action
(transition table, audit row, mail to voters when it ships)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from supportledger.core.errors import ActionRefused
from supportledger.customers.models import SecondFactor, ThrottleEvent
from supportledger.portal.actions import do_change_idea_status
from supportledger.portal.models import Idea, IdeaVote


class IdeaAdminForm(forms.ModelForm):
    class Meta:
        model = Idea
        fields = ["status", "shipped_in"]


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin):
    form = IdeaAdminForm
    list_display = ["__str__", "customer", "product", "status", "shipped_in", "created_at"]
    list_filter = ["status", "product"]
    search_fields = ["title", "body", "customer__organisation"]
    readonly_fields = ["customer", "author", "product", "title", "body", "created_at"]
    raw_id_fields = ["shipped_in"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Idea, form: Any, change: bool) -> None:
        if "status" not in form.changed_data and "shipped_in" not in form.changed_data:
            return
        before = Idea.objects.get(pk=obj.pk)
        if before.status == obj.status:
            messages.error(request, "Change the status to change the idea.")
            return
        try:
            do_change_idea_status(
                acting_user=request.user, idea=before, to=obj.status, shipped_in=obj.shipped_in
            )
        except ActionRefused as refused:
            messages.error(request, refused.message)


@admin.register(IdeaVote)
class IdeaVoteAdmin(admin.ModelAdmin):
    list_display = ["idea", "contact", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SecondFactor)
class SecondFactorAdmin(admin.ModelAdmin):
    """Staff may only remove a lost second factor (the user sets it up again)."""

    list_display = ["user", "confirmed_at"]
    fields = ["user", "confirmed_at"]
    readonly_fields = ["user", "confirmed_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ThrottleEvent)
class ThrottleEventAdmin(admin.ModelAdmin):
    list_display = ["scope", "key", "at"]
    list_filter = ["scope"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
