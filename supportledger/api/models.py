"""API tokens and the record of idempotent writes.

A token belongs to a staff user (vendor-wide scope) or to a customer contact
(the scope of that contact's customer). Only a prefix (for lookup) and the
SHA-256 of the whole token are stored; the token itself is shown once.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    class Access(models.TextChoices):
        READ = "read", _("Read")
        READ_WRITE = "read_write", _("Read and write")

    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for."))
    prefix = models.CharField(
        _("prefix"),
        max_length=16,
        unique=True,
        help_text=_("The first part of the token, kept in clear to find the row."),
    )
    secret_sha256 = models.CharField(
        _("secret hash"), max_length=64, help_text=_("SHA-256 of the whole token, hex.")
    )
    access = models.CharField(_("access"), max_length=10, choices=Access.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
        help_text=_("The staff user the token acts as (vendor-wide scope)."),
    )
    contact = models.ForeignKey(
        "customers.Contact",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
        help_text=_("The customer contact the token acts as (that customer's scope)."),
    )
    created_at = models.DateTimeField(_("created at"), help_text=_("UTC."))
    last_used_at = models.DateTimeField(
        _("last used at"), null=True, blank=True, help_text=_("UTC.")
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, help_text=_("UTC."))
    expires_at = models.DateTimeField(
        _("expires at"),
        null=True,
        blank=True,
        help_text=_("UTC; the token is refused from then on. Empty: it does not expire."),
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, contact__isnull=True)
                | models.Q(user__isnull=True, contact__isnull=False),
                name="apitoken_belongs_to_user_or_contact",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.access == self.Access.READ_WRITE


class IdempotentRequest(models.Model):
    """One write made with an ``Idempotency-Key``: the first response, kept to replay."""

    token = models.ForeignKey(
        ApiToken, on_delete=models.CASCADE, related_name="+", verbose_name=_("token")
    )
    key = models.CharField(_("idempotency key"), max_length=200)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    body_sha256 = models.CharField(
        _("body hash"),
        max_length=64,
        help_text=_("SHA-256 of the request body as canonical JSON, hex."),
    )
    status_code = models.PositiveSmallIntegerField(_("status code"))
    response_body = models.TextField(
        _("response body"), help_text=_("The response body as sent, JSON.")
    )
    created_at = models.DateTimeField(_("created at"), help_text=_("UTC."))

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="api_idempotency_key_once"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
