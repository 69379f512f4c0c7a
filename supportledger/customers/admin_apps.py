"""The admin app, with the administrators-only site (``supportledger.customers.admin_site``)."""

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    default_site = "supportledger.customers.admin_site.StaffAdminSite"
