// A non-custodial participant's chain calls, signed by its own EIP-1193 wallet. The API answers
// a state-changing request of such a participant with 422 `signed_transaction_required`, whose
// details are the call to sign ({from, to, data, value, chain_id}; backend/campaigns/submission.py).
// The wallet signs exactly that call (eth_signTransaction, every field filled in here so the
// wallet need not) and the page repeats the request with `signed_transaction`; the platform
// relays the signed bytes. Token approvals are EIP-2612 permits (eth_signTypedData_v4), so one
// transaction both approves and funds. The key never leaves the wallet.

import { BrowserProvider, Contract, Signature, getAddress } from "ethers";
import { t } from "./i18n.js";

export const SIGNATURE_REQUIRED = "signed_transaction_required";

// The wallet's signer for `from` (the account the API named): `current` when it is that account,
// else the wallet's selected account, refused when it is another one.
export async function walletSigner(from, current = null) {
  let signer = current;
  if (!signer) {
    if (!window.ethereum) throw new Error(t("console.signin.noWallet"));
    signer = await new BrowserProvider(window.ethereum).getSigner();
  }
  const address = await signer.getAddress();
  if (from && getAddress(address) !== getAddress(from)) {
    throw new Error(t("console.wallet.wrongAccount", { expected: getAddress(from), actual: address }));
  }
  return signer;
}

// The raw signed transaction of `call` (the details of a signed_transaction_required refusal).
export async function signCall(signer, call) {
  const from = await signer.getAddress();
  const provider = signer.provider;
  const { chainId } = await provider.getNetwork();
  if (chainId !== BigInt(call.chain_id)) {
    throw new Error(t("console.wallet.wrongChain", { expected: String(call.chain_id), actual: String(chainId) }));
  }
  const transaction = { from, to: call.to, data: call.data, value: BigInt(call.value ?? 0), chainId };
  const [nonce, gas, fees] = await Promise.all([
    provider.getTransactionCount(from, "pending"),
    provider.estimateGas(transaction),
    provider.getFeeData(),
  ]);
  const filled = { ...transaction, nonce, gasLimit: (gas * 6n) / 5n };
  if (fees.maxFeePerGas !== null) {
    Object.assign(filled, { type: 2, maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas });
  } else {
    Object.assign(filled, { type: 0, gasPrice: fees.gasPrice });
  }
  return signer.signTransaction(filled);
}

// `send(extra)` once; if the API asks for the wallet's signature, have the wallet sign the call it
// names and `send({signed_transaction})` again. `onSigning(call)` runs before the wallet is asked.
export async function sendWithWallet(send, { signer = null, onSigning = null } = {}) {
  try {
    return await send({});
  } catch (error) {
    if (error?.code !== SIGNATURE_REQUIRED || !error.details) throw error;
    const wallet = await walletSigner(error.details.from, signer);
    onSigning?.(error.details);
    return send({ signed_transaction: await signCall(wallet, error.details) });
  }
}

const PERMIT_ABI = [
  "function nonces(address owner) view returns (uint256)",
  "function eip712Domain() view returns (bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)",
];
const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

// An EIP-2612 permit letting `spender` take `value` base units of `token` from the wallet's
// account, valid for `validFor` seconds of the chain's time: {deadline, v, r, s} as the API takes it.
export async function signPermit(signer, token, spender, value, validFor = 3600) {
  const owner = await signer.getAddress();
  const contract = new Contract(token, PERMIT_ABI, signer.provider);
  const [nonce, domain, block] = await Promise.all([
    contract.nonces(owner), contract.eip712Domain(), signer.provider.getBlock("latest"),
  ]);
  const deadline = BigInt(block.timestamp + validFor);
  const signature = Signature.from(await signer.signTypedData(
    { name: domain.name, version: domain.version, chainId: domain.chainId, verifyingContract: domain.verifyingContract },
    PERMIT_TYPES,
    { owner, spender, value: BigInt(value), nonce, deadline },
  ));
  return { deadline: Number(deadline), v: signature.v, r: signature.r, s: signature.s };
}
