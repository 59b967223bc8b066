import pytest
from web3.exceptions import ContractCustomError

from tests.factories import DAY, Role, increase_time, now, onboard, revert_name, roles_mask, transact


def test_active_needs_role_kyc_and_no_suspension(registry, accounts, admin, w3):
    user = accounts[1]
    assert not registry.functions.isActive(user, Role.PUBLISHER).call()
    transact(registry.functions.setRoles(user, roles_mask(Role.PUBLISHER)), admin)
    assert not registry.functions.isActive(user, Role.PUBLISHER).call(), "no KYC yet"
    transact(registry.functions.setKyc(user, now(w3) + DAY), admin)
    assert registry.functions.isActive(user, Role.PUBLISHER).call()
    assert not registry.functions.isActive(user, Role.ADVERTISER).call(), "role not held"

    transact(registry.functions.suspend(user), admin)
    assert not registry.functions.isActive(user, Role.PUBLISHER).call()
    transact(registry.functions.unsuspend(user), admin)
    assert registry.functions.isActive(user, Role.PUBLISHER).call()

    increase_time(w3, DAY + 1)
    assert not registry.functions.isActive(user, Role.PUBLISHER).call(), "KYC expired"


def test_events_carry_the_change(registry, accounts, admin, w3):
    user = accounts[2]
    receipt = transact(registry.functions.setRoles(user, roles_mask(Role.BRAND, Role.AUDITOR)), admin)
    (event,) = registry.events.ParticipantRolesSet().process_receipt(receipt)
    assert event.args.account == user and event.args.roles == 0b101000
    expiry = now(w3) + 10 * DAY
    receipt = transact(registry.functions.setKyc(user, expiry), admin)
    assert registry.events.KycUpdated().process_receipt(receipt)[0].args.kycExpiry == expiry
    receipt = transact(registry.functions.suspend(user), admin)
    assert registry.events.ParticipantSuspended().process_receipt(receipt)[0].args.by == admin


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda r, a: r.functions.setRoles(a, 1), "AccessControlUnauthorizedAccount"),
        (lambda r, a: r.functions.setKyc(a, 2**40), "ParticipantRegistryUnauthorized"),
        (lambda r, a: r.functions.suspend(a), "ParticipantRegistryUnauthorized"),
    ],
)
def test_outsiders_cannot_change_the_registry(registry, accounts, call, error):
    outsider = accounts[3]
    with pytest.raises(ContractCustomError) as exc:
        call(registry, accounts[4]).transact({"from": outsider})
    assert revert_name(registry, exc) == error


def test_bad_input_is_refused(registry, accounts, admin, w3):
    with pytest.raises(ContractCustomError) as exc:
        registry.functions.setRoles(accounts[1], 1 << 6).transact({"from": admin})
    assert revert_name(registry, exc) == "ParticipantRegistryUnknownRole"
    with pytest.raises(ContractCustomError) as exc:
        registry.functions.setKyc(accounts[1], now(w3) - 1).transact({"from": admin})
    assert revert_name(registry, exc) == "ParticipantRegistryKycInPast"
    with pytest.raises(ContractCustomError) as exc:
        registry.functions.unsuspend(accounts[1]).transact({"from": admin})
    assert revert_name(registry, exc) == "ParticipantRegistryNotSuspended"
    onboard(registry, accounts[1], Role.PUBLISHER)
    transact(registry.functions.suspend(accounts[1]), admin)
    with pytest.raises(ContractCustomError) as exc:
        registry.functions.suspend(accounts[1]).transact({"from": admin})
    assert revert_name(registry, exc) == "ParticipantRegistryAlreadySuspended"


def test_kyc_officer_is_a_separate_role(registry, accounts, admin):
    officer = accounts[5]
    role = registry.functions.KYC_OFFICER_ROLE().call()
    transact(registry.functions.grantRole(role, officer), admin)
    transact(registry.functions.setKyc(accounts[6], 2**40), officer)
    with pytest.raises(ContractCustomError):
        registry.functions.setRoles(accounts[6], 1).transact({"from": officer})
