from django.contrib import admin
from django.urls import include, path

from supportledger.core import views as core_views

urlpatterns = [
    path("", core_views.start_page, name="start"),
    path("admin/", admin.site.urls),
    path("portal/", include("supportledger.portal.urls")),
]
