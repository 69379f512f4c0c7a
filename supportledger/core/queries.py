from __future__ import annotations

from supportledger.core import policy_cache
from supportledger.core.errors import ActionRefused
from supportledger.core.models import VendorPolicy


def get_vendor_policy(held: policy_cache.Snapshot | None = None) -> VendorPolicy:
    """The vendor's policy row, from the process's cache checked against the
    policy version (``core.policy_cache``), or from ``held``, a snapshot the
    caller already has: shared, so read it and never change it; refuses
    clearly when set-up has not run."""
    policy = policy_cache.get_policy() if held is None else held.policy
    if policy is None:
        raise ActionRefused(
            "no_policy", "No vendor policy yet: run `supportledger init --preset NAME` first."
        )
    return policy
