import pytest
from django.contrib import admin
from django.urls import reverse

from tests.cast import build_cast


@pytest.mark.django_db
def test_every_admin_list_and_the_policy_page_open_for_a_superuser(admin_client):
    build_cast()
    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert admin_client.get(url).status_code == 200, url
    assert admin_client.get(reverse("admin:core_vendorpolicy_change", args=[1])).status_code == 200
