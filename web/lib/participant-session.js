// A participant's sign-in on a console page: with an EIP-1193 wallet (EIP-4361 message,
// POST /v1/auth/siwe for a session of one role) or with an API key pasted into the form.
// Either credential lives only in the api module's memory: a reload signs out.

import { BrowserProvider } from "ethers";
import { createApi } from "./api.js";
import { signedSiwe } from "./siwe.js";
import { t } from "./i18n.js";
import { hide, show, showError } from "./dom.js";

export function participantApi() {
  return createApi({ bearer: true });
}

// Sign in with the wallet for `role`; returns {signer, participant}.
export async function signInWithWallet(api, role) {
  if (!window.ethereum) throw new Error(t("console.signin.noWallet"));
  const signer = await new BrowserProvider(window.ethereum).getSigner();
  const proof = await signedSiwe(api, signer, t("console.signin.statement"));
  const issued = await api.post("/v1/auth/siwe", { ...proof, role });
  api.setSession(issued.token);
  return { signer, participant: await api.get("/v1/participants/me") };
}

// Sign in with an API key: it is checked by reading the participant it belongs to.
export async function signInWithKey(api, key) {
  api.setSession(key.trim());
  try {
    return { signer: null, participant: await api.get("/v1/participants/me") };
  } catch (error) {
    api.setSession(null);
    throw error;
  }
}

// Wire the shared sign-in block (templates/partials/signin.html) of a console page:
// `role` is the role a wallet session asks for: a string, or a function read at the click (a role
// picker). `onSignedIn({signer, participant})` runs once a credential is accepted.
export function wireSignIn(api, role, onSignedIn) {
  const block = document.getElementById("signin");
  const status = document.getElementById("signin-status");
  const done = async (result) => {
    status.textContent = t("console.signin.signedIn", { name: result.participant.display_name ?? result.participant.address });
    status.dataset.state = "signed-in";
    hide(document.getElementById("signin-forms"));
    show(document.getElementById("signout"));
    await onSignedIn(result);
  };
  const attempt = async (button, work) => {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    status.textContent = t("common.loading");
    try {
      await done(await work());
    } catch (error) {
      status.textContent = t("console.signin.none");
      showError(error);
    } finally {
      button.disabled = false;
      button.setAttribute("aria-busy", "false");
    }
  };
  const walletButton = document.getElementById("signin-wallet");
  walletButton.addEventListener("click", () => attempt(walletButton, () => signInWithWallet(api, typeof role === "function" ? role() : role)));
  document.getElementById("signin-key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = document.getElementById("signin-key");
    attempt(event.submitter ?? walletButton, () => signInWithKey(api, input.value));
    input.value = "";
  });
  document.getElementById("signout").addEventListener("click", async () => {
    try { await api.post("/v1/auth/logout"); } catch { /* a pasted key is not revoked by signing out */ }
    window.location.reload();
  });
  return block;
}
