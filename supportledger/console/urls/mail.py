from django.urls import path

from supportledger.console.views import mail as views

app_name = "intake"

urlpatterns = [
    path("", views.mail_list, name="mail_list"),
    path("<int:pk>/", views.mail_detail, name="mail_detail"),
    path("<int:pk>/raw/", views.mail_raw, name="mail_raw"),
    path("<int:pk>/route/", views.mail_route, name="mail_route"),
]
