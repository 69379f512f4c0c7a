from django.urls import path

from supportledger.console import (
    calendar,
    caught_mail,
    offers,
    outbox,
    pickers,
    second_factor,
    seller,
)
from supportledger.console.views import auth
from supportledger.console.views import desk as views
from supportledger.console.views import queue as queue_views

app_name = "console"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("login/", auth.ConsoleLogin.as_view(), name="login"),
    path("logout/", auth.ConsoleLogout.as_view(), name="logout"),
    path("login/code/", second_factor.login_code, name="login_code"),
    path("second-factor/", second_factor.second_factor, name="second_factor"),
    path("second-factor/reset/", second_factor.reset_second_factor, name="reset_second_factor"),
    path("staff/second-factors/", second_factor.staff_second_factors, name="staff_second_factors"),
    path(
        "staff/<int:user_id>/second-factor/reset/",
        second_factor.reset_staff_second_factor,
        name="reset_staff_second_factor",
    ),
    path("requests/new/", views.new_request, name="new_request"),
    path("queue/bulk/", queue_views.bulk_change, name="queue_bulk"),
    path("queue/filters/", queue_views.save_filter, name="save_queue_filter"),
    path("queue/filters/<int:pk>/delete/", queue_views.delete_filter, name="delete_queue_filter"),
    path("requests/<int:pk>/merge/", queue_views.merge_request, name="merge_request"),
    path("canned-replies/", queue_views.canned_replies, name="canned_replies"),
    path(
        "canned-replies/<int:pk>/delete/",
        queue_views.delete_canned_reply,
        name="delete_canned_reply",
    ),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/messages/", views.post_message, name="post_message"),
    path("requests/<int:pk>/status/", views.change_status, name="change_status"),
    path("requests/<int:pk>/assign/", views.assign, name="assign"),
    path("requests/<int:pk>/priority/", views.set_priority, name="set_priority"),
    path("requests/<int:pk>/timer/start/", views.start_timer, name="start_timer"),
    path("requests/<int:pk>/timer/stop/", views.stop_timer, name="stop_timer"),
    path("timers/", views.my_timers, name="my_timers"),
    path("timers/<int:timer_pk>/discard/", views.discard_timer, name="discard_timer"),
    path("timers/<int:timer_pk>/correct/", views.correct_timer, name="correct_timer"),
    path("requests/<int:pk>/work/", views.record_work, name="record_work"),
    path("attachments/<int:pk>/", views.download_attachment, name="attachment"),
    path("response-targets/", views.response_targets, name="response_targets"),
    path("outbox/", outbox.outbox, name="outbox"),
    path("outbox/<int:pk>/retry/", outbox.retry_mail, name="retry_mail"),
    path("offers/", offers.offer_list, name="offers"),
    path("offers/consent-terms/", offers.consent_terms, name="consent_terms"),
    path("offers/new/", offers.offer_new, name="offer_new"),
    path("offers/<slug:code>/", offers.offer_detail, name="offer"),
    path("offers/<slug:code>/prices/", offers.offer_price, name="offer_price"),
    path("offers/<slug:code>/sell/", offers.offer_sell, name="offer_sell"),
    path("seller/", seller.seller_settings, name="seller"),
    path("calendar/", calendar.calendar, name="calendar"),
    path("calendar/day/", calendar.calendar_day, name="calendar_day"),
    path("pick/<slug:kind>/", pickers.pick, name="pick"),
    path("caught-mail/", caught_mail.caught_mail_list, name="caught_mail"),
    path("caught-mail/<str:key>/", caught_mail.caught_mail_detail, name="caught_mail_detail"),
]
