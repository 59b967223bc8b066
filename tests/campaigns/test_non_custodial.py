"""A non-custodial advertiser: its wallet signs createCampaign, fundWithPermit (EIP-2612) and pause; the
API checks each transaction is the call asked for and hands the signed bytes to the one sender."""

from eth_account import Account
from eth_account.signers.local import LocalAccount

from contracts import load_artifact
from tests.api.support import signed, siwe_message
from tests.campaigns.support import UNIT, WALLET_KEY, keyed
from tests.factories import now

GAS = 600_000


def sign_call(w3, account: LocalAccount, call: dict, *, legacy: bool = False) -> str:
    transaction = {
        "chainId": call["chain_id"],
        "nonce": w3.eth.get_transaction_count(account.address),
        "to": call["to"],
        "data": call["data"],
        "value": 0,
        "gas": GAS,
    }
    if legacy:
        transaction["gasPrice"] = 2 * w3.eth.gas_price
    else:
        base_fee = w3.eth.get_block("latest")["baseFeePerGas"]
        transaction.update(maxFeePerGas=2 * base_fee + 10**9, maxPriorityFeePerGas=10**9, type=2)
    return account.sign_transaction(transaction).raw_transaction.to_0x_hex()


def permit(w3, account: LocalAccount, token: str, spender: str, value: int, deadline: int) -> dict:
    contract = w3.eth.contract(address=token, abi=load_artifact("SettlementToken").abi)
    message = account.sign_typed_data(
        domain_data={"name": "Trust USD", "version": "1", "chainId": w3.eth.chain_id, "verifyingContract": token},
        message_types={
            "Permit": [
                {"name": "owner", "type": "address"},
                {"name": "spender", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ]
        },
        message_data={
            "owner": account.address,
            "spender": spender,
            "value": value,
            "nonce": contract.functions.nonces(account.address).call(),
            "deadline": deadline,
        },
    )
    return {"deadline": deadline, "v": message.v, "r": f"0x{message.r:064x}", "s": f"0x{message.s:064x}"}


def onboard_wallet(chain_api, account: LocalAccount) -> dict[str, str]:
    nonce = chain_api.client.post("/v1/auth/nonce").json()["nonce"]
    created = chain_api.client.post(
        "/v1/participants",
        json={
            "display_name": "wallet advertiser",
            "requested_roles": ["advertiser"],
            "custody_mode": "non_custodial",
            "siwe": signed(siwe_message(account, nonce, chain_id=chain_api.w3.eth.chain_id), account),
        },
    )
    assert created.status_code == 201, created.text
    participant = created.json()["participant"]
    approved = chain_api.client.post(
        f"/v1/participants/{participant['id']}/approve",
        json={"roles": ["advertiser"], "kyc_expires_at": "2099-01-01T00:00:00+00:00"},
        headers=keyed(chain_api.admin()),
    )
    assert approved.status_code == 200, approved.text
    chain_api.mint(chain_api.admin(), account.address, 1_000 * UNIT, gas_wei=0)
    chain_api.settle()
    return {"Authorization": f"Bearer {created.json()['api_keys'][0]['key']}"}


def test_wallet_signs_create_fund_with_permit_and_pause(chain_api):
    w3 = chain_api.w3
    wallet = Account.from_key(WALLET_KEY)
    headers = onboard_wallet(chain_api, wallet)
    body = chain_api.campaign_body()

    asked = chain_api.client.post("/v1/campaigns", json=body, headers=keyed(headers))
    assert asked.status_code == 422 and asked.json()["error"]["code"] == "signed_transaction_required"
    call = asked.json()["error"]["details"]
    assert (call["from"], call["chain_id"], call["value"]) == (wallet.address, w3.eth.chain_id, "0")
    created = chain_api.client.post(
        "/v1/campaigns", json={**body, "signed_transaction": sign_call(w3, wallet, call)}, headers=keyed(headers)
    )
    assert created.status_code == 201, created.text
    assert [(t["kind"], t["status"]) for t in created.json()["pending_transactions"]] == [
        ("CampaignEscrow.createCampaign", "signed")
    ]
    chain_api.settle()
    campaign = chain_api.client.get(f"/v1/campaigns/{created.json()['id']}", headers=headers).json()
    assert campaign["status"] == "unfunded" and campaign["advertiser_address"] == wallet.address
    base = f"/v1/campaigns/{campaign['id']}"
    escrow, token = campaign["chain"]["escrow"], campaign["token"]["address"]

    amount = 400 * UNIT
    fund_body = {"amount": amount, "permit": permit(w3, wallet, token, escrow, amount, now(w3) + 3_600)}
    asked = chain_api.client.post(f"{base}/fund", json=fund_body, headers=keyed(headers))
    assert asked.json()["error"]["code"] == "signed_transaction_required"
    call = asked.json()["error"]["details"]
    escrow_abi = w3.eth.contract(abi=load_artifact("CampaignEscrow").abi)
    function, args = escrow_abi.decode_function_input(call["data"])
    assert (function.fn_name, args["campaignId"], args["amount"]) == ("fundWithPermit", 1, amount)

    stranger = Account.create()
    forged = chain_api.client.post(
        f"{base}/fund", json={**fund_body, "signed_transaction": sign_call(w3, stranger, call)}, headers=keyed(headers)
    )
    assert forged.status_code == 422 and forged.json()["error"]["code"] == "invalid_signed_transaction"
    other_amount = {**call, "data": escrow_abi.encode_abi("fund", args=[1, amount + 1])}
    wrong = chain_api.client.post(
        f"{base}/fund", json={**fund_body, "signed_transaction": sign_call(w3, wallet, other_amount)}, headers=keyed(headers)
    )
    assert wrong.status_code == 422 and "must fund campaign 1 with" in wrong.json()["error"]["message"]

    raw = sign_call(w3, wallet, call)
    funded = chain_api.client.post(f"{base}/fund", json={**fund_body, "signed_transaction": raw}, headers=keyed(headers))
    assert funded.status_code == 202, funded.text
    again = chain_api.client.post(f"{base}/fund", json={**fund_body, "signed_transaction": raw}, headers=keyed(headers))
    assert again.status_code == 409 and again.json()["error"]["code"] == "transaction_already_submitted"
    chain_api.settle()
    funded_view = chain_api.client.get(base, headers=headers).json()
    assert (funded_view["status"], funded_view["deposit"]) == ("active", str(amount))

    asked = chain_api.client.post(f"{base}/pause", headers=keyed(headers))
    assert asked.json()["error"]["code"] == "signed_transaction_required"
    paused = chain_api.client.post(
        f"{base}/pause",
        json={"signed_transaction": sign_call(w3, wallet, asked.json()["error"]["details"], legacy=True)},
        headers=keyed(headers),
    )
    assert paused.status_code == 202, paused.text
    chain_api.settle()
    assert chain_api.client.get(base, headers=headers).json()["status"] == "paused"
