from django.urls import path

from supportledger.console.views import billing as views

app_name = "billing"

urlpatterns = [
    path("", views.invoices, name="invoices"),
    path("invoices/<int:pk>/", views.invoice, name="invoice"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/xml/<slug:kind>/", views.invoice_xml, name="invoice_xml"),
    path("invoices/<int:pk>/issue/", views.issue_invoice, name="issue_invoice"),
    path("invoices/<int:pk>/paid/", views.mark_invoice_paid, name="mark_invoice_paid"),
    path("invoices/<int:pk>/cancel/", views.cancel_invoice, name="cancel_invoice"),
    path("invoices/<int:pk>/credit/", views.credit_invoice, name="credit_invoice"),
    path("export/", views.export, name="export"),
    path("orders/", views.orders, name="orders"),
    path("run/", views.run_billing, name="run_billing"),
    path("runs/<int:pk>/", views.billing_run, name="billing_run"),
    path("runs/<int:pk>/issue-drafts/", views.issue_drafts, name="issue_drafts"),
]
