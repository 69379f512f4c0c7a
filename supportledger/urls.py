from django.contrib import admin
from django.urls import path

from supportledger.core import views as core_views

urlpatterns = [
    path("", core_views.start_page, name="start"),
    path("admin/", admin.site.urls),
]
