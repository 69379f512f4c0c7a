"""Every staff page, under /console/. Each area keeps its own URL namespace
(``console``, ``billing``, ``service``, ``intake``), so the names pages and
tests reverse stay as they were."""

from django.urls import include, path

urlpatterns = [
    path("service/", include("supportledger.console.urls.service")),
    path("mail/", include("supportledger.console.urls.mail")),
    path("billing/", include("supportledger.console.urls.billing")),
    path("customers/", include("supportledger.console.urls.customers")),
    path("", include("supportledger.console.urls.desk")),
]
