"""Who the token is: its scope and access."""

from __future__ import annotations

from ninja import Router, Schema

from supportledger.api.auth import Caller
from supportledger.api.responses import responses

router = Router(tags=["token"])


class TokenOut(Schema):
    name: str
    prefix: str
    access: str
    scope: str
    customer: int | None


@router.get("/me", response=responses(TokenOut), summary="The token making this request")
def get_me(request) -> TokenOut:  # type: ignore[no-untyped-def]
    caller: Caller = request.auth
    return TokenOut(
        name=caller.token.name,
        prefix=caller.token.prefix,
        access=caller.token.access,
        scope="vendor" if caller.is_staff else "customer",
        customer=caller.customer_id,
    )
