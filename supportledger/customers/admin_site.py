"""The admin, for administrators only.

Only an active administrator (``StaffMember.role``, or a superuser) gets in;
agents and managers work in the console. Inside, an administrator may view,
add, change and delete what each model's admin allows (the ``rules``
backend answers Django's model permissions from the role); models that hold
money through actions (``core.admin_site.ReadOnlyMoneyAdmin``) say no to
changes there whoever asks.
"""

from __future__ import annotations

from typing import Any

import rules
from django.contrib import admin
from django.http import HttpRequest

from supportledger.customers.permissions import is_administrator

_is_administrator = rules.predicate(is_administrator, name="is_administrator")


class StaffAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and is_administrator(request.user))

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        super().register(model_or_iterable, admin_class, **options)
        many = isinstance(model_or_iterable, list | tuple)
        models = model_or_iterable if many else [model_or_iterable]
        for model in models:
            meta = model._meta
            rules.set_perm(meta.app_label, _is_administrator)
            for action in ("view", "add", "change", "delete"):
                rules.set_perm(f"{meta.app_label}.{action}_{meta.model_name}", _is_administrator)
