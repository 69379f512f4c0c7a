"""Ideas: propose, vote, follow.

An idea under review (or declined) is its customer's own; once staff plan or
ship it, it is on the vendor's published roadmap, visible to every customer,
who may vote for it too.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from supportledger.catalog.models import Product
from supportledger.core.errors import ActionRefused
from supportledger.entitlements.models import Licence
from supportledger.portal.access import contact_required, form_ids, own_or_404, owned
from supportledger.portal.actions import do_propose_idea, do_vote_for_idea
from supportledger.portal.models import Idea, IdeaStatus
from supportledger.portal.queries import list_ideas

PUBLISHED = (IdeaStatus.PLANNED, IdeaStatus.SHIPPED)


def visible_ideas(request: HttpRequest) -> QuerySet[Idea]:
    return list_ideas(request.contact).filter(  # type: ignore[attr-defined]
        Q(customer=request.customer) | Q(status__in=PUBLISHED)  # type: ignore[attr-defined]
    )


def licensed_products(request: HttpRequest) -> QuerySet[Product]:
    return Product.objects.filter(
        pk__in=Licence.objects.filter(customer=request.customer).values("product")  # type: ignore[attr-defined]
    )


@require_safe
@contact_required
def ideas_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/ideas.html",
        {"ideas": visible_ideas(request), "products": licensed_products(request)},
    )


@form_ids("product")
@require_POST
@contact_required
def idea_propose_view(request: HttpRequest) -> HttpResponse:
    product = None
    if request.POST.get("product"):
        product = own_or_404(licensed_products(request), request.POST["product"])
    try:
        do_propose_idea(
            acting_user=request.user,
            contact=request.contact,  # type: ignore[attr-defined]
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
            product=product,
        )
    except ActionRefused as refused:
        field = refused.message.split(":", 1)[0]
        messages.error(
            request,
            _("Title and description are both needed.")
            if field in ("title", "body")
            else refused.message,
        )
    else:
        messages.success(request, _("Thank you: your idea is under review."))
    return redirect("portal:ideas")


@contact_required
@owned("idea_id", visible_ideas)
@require_POST
def idea_vote_view(request: HttpRequest, idea_id: Idea) -> HttpResponse:
    idea = idea_id
    if do_vote_for_idea(acting_user=request.user, contact=request.contact, idea=idea):  # type: ignore[attr-defined]
        messages.success(request, _("Your vote is counted."))
    else:
        messages.info(request, _("You have already voted for this idea."))
    return redirect("portal:ideas")
