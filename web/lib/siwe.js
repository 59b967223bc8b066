// The EIP-4361 (Sign-In with Ethereum) message text, as the API's backend/identity/siwe.py reads it.

export function siweMessage({ domain, uri, address, chainId, nonce, issuedAt, statement, expirationTime }) {
  const scheme = uri.split("://", 1)[0];
  const lines = [`${scheme}://${domain} wants you to sign in with your Ethereum account:`, address, ""];
  if (statement) lines.push(statement, "");
  else lines.push("");
  lines.push(`URI: ${uri}`, "Version: 1", `Chain ID: ${chainId}`, `Nonce: ${nonce}`, `Issued At: ${issuedAt}`);
  if (expirationTime) lines.push(`Expiration Time: ${expirationTime}`);
  return lines.join("\n");
}

// Ask the API for a nonce, have the wallet sign the message: {message, signature}.
export async function signedSiwe(api, signer, statement) {
  const issued = await api.post("/v1/auth/nonce");
  const message = siweMessage({
    domain: issued.domain,
    uri: issued.uri,
    address: await signer.getAddress(),
    chainId: issued.chain_id,
    nonce: issued.nonce,
    issuedAt: new Date().toISOString(),
    statement,
  });
  return { message, signature: await signer.signMessage(message) };
}
