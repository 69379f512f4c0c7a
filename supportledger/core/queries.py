from __future__ import annotations

from supportledger.core.errors import ActionRefused
from supportledger.core.models import VendorPolicy


def get_vendor_policy() -> VendorPolicy:
    """The vendor's policy row; refuses clearly when set-up has not run."""
    policy = VendorPolicy.objects.filter(pk=1).first()
    if policy is None:
        raise ActionRefused(
            "no_policy", "No vendor policy yet: run `supportledger init --preset NAME` first."
        )
    return policy
