"""What every app's admin shares: ``ReadOnlyMoneyAdmin`` for the models
that hold money through actions (entitlements, ledgers, prices, work),
which the admin only shows whoever asks. The administrators-only site is
``supportledger.customers.admin_site``, with the staff roles."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


class ReadOnlyMoneyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """For models that hold money through actions: the admin only shows them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
