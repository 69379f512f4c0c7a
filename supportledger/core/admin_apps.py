"""The admin app, with the administrators-only site (``supportledger.core.admin_site``)."""

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    default_site = "supportledger.core.admin_site.StaffAdminSite"
