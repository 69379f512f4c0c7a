from django.apps import AppConfig


def render_issued_invoice_pdf(invoice_id: int) -> bytes:
    """The outbox's renderer for an invoice's PDF attachment: the same
    document as the console and the API serve (frozen at issue)."""
    from supportledger.billing.models import Invoice
    from supportledger.billing.pdf import render_invoice_pdf

    return render_invoice_pdf(Invoice.objects.get(pk=invoice_id))


class BillingConfig(AppConfig):
    name = "supportledger.billing"
    label = "billing"

    def ready(self) -> None:
        from supportledger.billing.mail import INVOICE_PDF_RENDERER
        from supportledger.mail.outbox import register_attachment_renderer

        register_attachment_renderer(INVOICE_PDF_RENDERER, render_issued_invoice_pdf)
