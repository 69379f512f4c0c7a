from django.urls import path

from supportledger.portal.views import (
    account,
    auth,
    dashboard,
    downloads,
    ideas,
    invoices,
    remote,
    requests,
    verify,
)

app_name = "portal"

urlpatterns = [
    path("", dashboard.dashboard_view, name="dashboard"),
    path("login/", auth.login_view, name="login"),
    path("login/code/", auth.login_code_view, name="login_code"),
    path("logout/", auth.logout_view, name="logout"),
    path("password-reset/", auth.password_reset_view, name="password_reset"),
    path(
        "password-reset/<str:uidb64>/<str:token>/",
        auth.password_reset_confirm_view,
        name="password_reset_confirm",
    ),
    path("verify-email/<str:verification>/", verify.verify_email_view, name="verify_email"),
    path("language/", account.language_view, name="language"),
    path("account/", account.account_view, name="account"),
    path("account/billing/", account.billing_data_view, name="billing_data"),
    path("account/second-factor/start/", account.second_factor_start_view, name="factor_start"),
    path(
        "account/second-factor/confirm/",
        account.second_factor_confirm_view,
        name="factor_confirm",
    ),
    path("account/second-factor/off/", account.second_factor_off_view, name="factor_off"),
    path("downloads/", downloads.downloads_view, name="downloads"),
    path("downloads/file/<str:signed>/", downloads.download_file_view, name="download_file"),
    path("downloads/renew/", downloads.renew_view, name="renew"),
    path("invoices/", invoices.invoices_view, name="invoices"),
    path("invoices/<int:invoice_id>/pdf/", invoices.invoice_pdf_view, name="invoice_pdf"),
    path(
        "invoices/<int:invoice_id>/xml/<slug:kind>/",
        invoices.invoice_xml_view,
        name="invoice_xml",
    ),
    path("requests/", requests.requests_view, name="requests"),
    path("requests/new/", requests.open_request_view, name="open_request"),
    path("requests/<int:request_id>/", requests.request_view, name="request"),
    path("requests/<int:request_id>/reply/", requests.reply_view, name="reply"),
    path("attachments/<int:attachment_id>/", requests.attachment_view, name="attachment"),
    path("work/<int:work_id>/confirm/", requests.confirm_work_view, name="confirm_work"),
    path("work/<int:work_id>/claim/", requests.file_claim_view, name="file_claim"),
    path("claims/", requests.claims_view, name="claims"),
    path("remote/", remote.remote_view, name="remote"),
    path("remote/start/", remote.remote_start_view, name="remote_start"),
    path("ideas/", ideas.ideas_view, name="ideas"),
    path("ideas/propose/", ideas.idea_propose_view, name="idea_propose"),
    path("ideas/<int:idea_id>/vote/", ideas.idea_vote_view, name="idea_vote"),
]
