from django.contrib import admin
from django.urls import include, path

from supportledger.api.v1 import api as api_v1
from supportledger.core import views as core_views
from supportledger.ops import views as ops_views

urlpatterns = [
    path("", core_views.start_page, name="start"),
    path("admin/", admin.site.urls),
    path("portal/", include("supportledger.portal.urls")),
    path("console/", include("supportledger.console.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api_v1.urls),
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_views.metrics, name="metrics"),
]
