// EIP-712 signatures of ConsentRegistry messages, made in the page with the pairwise key.
// The domain and type strings come from GET /v1/consents/domain (backend/consent/typed_data.py).

export function fieldsOf(typeString) {
  // "Withdrawal(address subject,bytes32 consentId,uint256 deadline)" -> [{name, type}, ...]
  const inner = typeString.slice(typeString.indexOf("(") + 1, typeString.lastIndexOf(")"));
  return inner.split(",").map((part) => {
    const [type, name] = part.trim().split(/\s+/);
    return { name, type };
  });
}

function withoutDomainType(types) {
  const { EIP712Domain: _ignored, ...rest } = types;
  return rest;
}

// Sign an eth_signTypedData_v4 payload the API prepared (POST /v1/consents/typed-data).
export function signPayload(key, payload) {
  return key.signTypedData(payload.domain, withoutDomainType(payload.types), payload.message);
}

// A signed Withdrawal of `consentId` by the pairwise key, valid for `validFor` seconds.
export async function signedWithdrawal(key, signing, consentId, validFor = 3600) {
  const message = { subject: key.address, consentId, deadline: String(Math.floor(Date.now() / 1000) + validFor) };
  const types = { Withdrawal: fieldsOf(signing.types.Withdrawal) };
  const signature = await key.signTypedData(signing.domain, types, message);
  return { message, signature, domain: { chainId: signing.domain.chainId, verifyingContract: signing.domain.verifyingContract } };
}
