"""The console's log-in and log-out pages."""

from __future__ import annotations

from django.contrib.auth.views import LoginView, LogoutView
from django.urls import reverse


class ConsoleLogin(LoginView):
    template_name = "console/login.html"
    redirect_authenticated_user = False

    def get_default_redirect_url(self) -> str:
        return reverse("console:queue")


class ConsoleLogout(LogoutView):
    next_page = "console:login"
