"""Tokens in the admin: created there too, the secret shown once in the message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from supportledger.api.actions import do_create_api_token, do_revoke_api_token
from supportledger.api.models import ApiToken


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "user", "contact", "access"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("user")) == bool(data.get("contact")):
            raise forms.ValidationError("Choose either a staff user or a customer contact.")
        return data


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["prefix", "name", "user", "contact", "access", "last_used_at", "revoked_at"]
    list_filter = ["access"]
    search_fields = ["prefix", "name"]
    actions = ["revoke_tokens"]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:
        if obj is None:
            return []
        return [
            "name",
            "user",
            "contact",
            "access",
            "prefix",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]

    def get_exclude(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:
        return ["secret_sha256"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        issued = do_create_api_token(
            acting_user=request.user,
            name=obj.name,
            user=obj.user,
            contact=obj.contact,
            write=obj.access == ApiToken.Access.READ_WRITE,
        )
        obj.pk = issued.token.pk
        messages.warning(
            request, f"Token created; copy it now, it is not shown again: {issued.plaintext}"
        )

    @admin.action(description="Revoke the selected tokens")
    def revoke_tokens(self, request: HttpRequest, queryset: Any) -> None:
        for token in queryset:
            do_revoke_api_token(token, acting_user=request.user)
