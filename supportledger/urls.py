from django.contrib import admin
from django.urls import path

from supportledger.api.v1 import api as api_v1
from supportledger.core import views as core_views

urlpatterns = [
    path("", core_views.start_page, name="start"),
    path("admin/", admin.site.urls),
    path("api/v1/", api_v1.urls),
]
