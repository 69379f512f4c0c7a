from django.urls import path

from supportledger.console.views import service as views

app_name = "service"

urlpatterns = [
    path("appointments/", views.appointments, name="appointments"),
    path("appointments/book/", views.book_appointment, name="book_appointment"),
    path(
        "appointments/<int:pk>/reschedule/",
        views.reschedule_appointment,
        name="reschedule_appointment",
    ),
    path("appointments/<int:pk>/cancel/", views.cancel_appointment, name="cancel_appointment"),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/consent/", views.record_consent, name="record_consent"),
    path("sessions/start/", views.start_session, name="start_session"),
    path("sessions/<int:pk>/attach/", views.attach_tool, name="attach_tool"),
    path("sessions/<int:pk>/end/", views.end_session, name="end_session"),
    path("work/<int:pk>/", views.work, name="work"),
    path("work/<int:pk>/confirm/", views.confirm_work, name="confirm_work"),
    path("claims/", views.claims, name="claims"),
    path("claims/<int:pk>/accept/", views.accept_claim, name="accept_claim"),
    path("claims/<int:pk>/reject/", views.reject_claim, name="reject_claim"),
]
