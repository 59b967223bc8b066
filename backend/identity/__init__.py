"""Identity and access: who the participants are, which roles they hold, how they prove it.

- ``roles``: the role bitmask (business roles mirror IParticipantRegistry.Role).
- ``models``: participants, API keys, SIWE nonces, idempotency records.
- ``participants``: the lifecycle (apply, approve, suspend, unsuspend, renew KYC), each
  step queueing its ParticipantRegistry call on the outbox in the caller's transaction.
- ``api_keys``, ``siwe``, ``nonces``, ``sign_in``: credentials and Sign-In with Ethereum.

The HTTP side (who may call what) is ``backend.api.auth``.
"""

from backend.identity.models import ApiKey, CustodyMode, Participant, ParticipantStatus
from backend.identity.roles import BUSINESS_ROLES, PLATFORM_ROLES, Role, mask_to_roles, roles_to_mask

__all__ = [
    "BUSINESS_ROLES",
    "PLATFORM_ROLES",
    "ApiKey",
    "CustodyMode",
    "Participant",
    "ParticipantStatus",
    "Role",
    "mask_to_roles",
    "roles_to_mask",
]
