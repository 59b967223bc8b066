// The consumer consent wallet (/wallet): connect an EIP-1193 wallet, sign in (EIP-4361),
// grant and withdraw consents with pairwise keys derived here, read the access log,
// export and erase. Every text set from data goes through textContent, never innerHTML.

import { BrowserProvider } from "ethers";
import { createApi } from "../lib/api.js";
import { formatDate, formatPage, pageData, t } from "../lib/i18n.js";
import { derivePairwise } from "../lib/pairwise.js";
import { signPayload, signedWithdrawal } from "../lib/consent-signing.js";
import { signedSiwe } from "../lib/siwe.js";
import { element, hide, show, showError, showNotice } from "../lib/dom.js";

const config = pageData();
const api = createApi({ sessionHeader: "X-Subject-Session" });
const pairwiseKeys = new Map(); // grantee address -> ethers Wallet, page memory only
let signer = null;
let signing = null; // GET /v1/consents/domain
let exported = null; // the last GET /v1/subjects/me/export
// Advertisers' names as the server listed them with their offers (address -> name).
const advertiserNames = new Map([...document.querySelectorAll("li.offer")].map((offer) =>
  [offer.dataset.advertiser.toLowerCase(), offer.querySelector("h3").textContent]));
const nameOf = (address) => advertiserNames.get(address.toLowerCase()) ?? address;

async function pairwiseKey(grantee) {
  const key = grantee.toLowerCase();
  if (!pairwiseKeys.has(key)) {
    const { message } = await api.get(`/v1/consents/pairwise-message?grantee=${encodeURIComponent(grantee)}`);
    pairwiseKeys.set(key, await derivePairwise(signer, message));
  }
  return pairwiseKeys.get(key);
}

function busy(button, working) {
  button.disabled = working;
  button.setAttribute("aria-busy", String(working));
}

async function connect() {
  const button = document.getElementById("connect-button");
  const status = document.getElementById("wallet-status");
  if (!window.ethereum) {
    show(document.getElementById("no-wallet"));
    return;
  }
  busy(button, true);
  status.textContent = t("wallet.connect.working");
  try {
    signer = await new BrowserProvider(window.ethereum).getSigner();
    const proof = await signedSiwe(api, signer, config.signInStatement);
    const opened = await api.post("/v1/subjects/session", proof);
    api.setSession(opened.token);
    signing = await api.get("/v1/consents/domain");
    status.textContent = t("wallet.connect.signedIn", { address: await signer.getAddress() });
    status.dataset.state = "signed-in";
    hide(button);
    show(document.getElementById("sign-out"));
    show(document.getElementById("signed-in"));
    for (const grant of document.querySelectorAll("button.grant")) grant.disabled = false;
    await refresh();
  } catch (error) {
    status.textContent = t("wallet.connect.none");
    busy(button, false);
    showError(error);
  }
}

async function signOut() {
  // End the session on the server (DELETE /v1/subjects/session), then forget the token, the
  // derived keys and everything read with them. A failed call changes nothing here: the page
  // forgets all the same, and an unreachable session lapses on its own (at most four hours).
  const button = document.getElementById("sign-out");
  busy(button, true);
  try {
    await api.delete("/v1/subjects/session");
  } catch (error) {
    console.warn(`sign-out: the server session was not ended (${error.message})`);
  } finally {
    api.setSession(null);
    pairwiseKeys.clear();
    signer = null;
    signing = null;
    exported = null;
    window.location.reload();
  }
}

async function refresh() {
  exported = await api.get("/v1/subjects/me/export");
  for (const loading of document.querySelectorAll("#signed-in [data-loading]")) hide(loading);
  renderConsents(exported);
  renderProfile(exported.profile);
  renderAccessLog(exported.access_log);
  markOffers(exported);
}

function granteeOf(consent, data) {
  if (consent.grantee) return consent.grantee;
  return data.pairwise_identities.find((link) => link.address.toLowerCase() === consent.subject.toLowerCase())?.grantee;
}

function renderConsents(data) {
  const list = document.getElementById("consents");
  list.replaceChildren();
  const consents = [...data.consents].reverse();
  document.getElementById("consents-empty").hidden = consents.length > 0;
  for (const consent of consents) {
    const grantee = granteeOf(consent, data);
    const item = element("li", { class: `consent ${consent.status}`, "data-consent-id": consent.consent_id });
    item.append(
      element("h3", {}, t("wallet.consent.offer", { id: consent.offer_id })),
      element("p", { class: `status ${consent.status}` }, t(`wallet.consent.status.${consent.status}`)),
    );
    const facts = element("dl");
    if (grantee) facts.append(element("dt", {}, t("wallet.consent.grantee")), element("dd", {}, nameOf(grantee)));
    if (consent.purpose) facts.append(element("dt", {}, t("wallet.log.purpose")), element("dd", {}, t(`purpose.${consent.purpose}`)));
    if (consent.expiry) facts.append(element("dt", {}, t("wallet.consent.expires")), element("dd", {}, formatDate(consent.expiry)));
    facts.append(element("dt", {}, t("wallet.consent.receipt")));
    facts.append(consent.receipt
      ? element("dd", {}, element("a", { href: `/v1/consents/${consent.consent_id}/receipt`, class: "receipt" }, consent.consent_id.slice(0, 18) + "…"))
      : element("dd", { class: "pending" }, t("wallet.consent.noReceipt")));
    item.append(facts);
    if ((consent.status === "active" || consent.status === "pending") && grantee) {
      const button = element("button", { type: "button", class: "withdraw" }, t("wallet.consent.withdraw"));
      button.addEventListener("click", () => withdraw(consent.consent_id, grantee, button));
      item.append(button);
    }
    list.append(item);
  }
}

function renderProfile(profile) {
  const list = document.getElementById("profile");
  list.replaceChildren();
  const entries = Object.entries(profile ?? {});
  document.getElementById("data-empty").hidden = entries.length > 0;
  for (const [name, value] of entries) {
    list.append(element("dt", {}, t(`category.${name}`)), element("dd", {}, Array.isArray(value) ? value.join(", ") : String(value)));
  }
}

function renderAccessLog(log) {
  const table = document.getElementById("access-log");
  const body = table.querySelector("tbody");
  body.replaceChildren();
  document.getElementById("log-empty").hidden = log.length > 0;
  table.hidden = log.length === 0;
  for (const read of [...log].reverse()) {
    const fields = read.fields_disclosed.map((name) => t(`category.${name}`)).join(", ") || t("wallet.log.none");
    const cell = (label, text, attributes = {}) => element("td", { "data-label": t(label), ...attributes }, text);
    body.append(element("tr", {},
      cell("wallet.log.when", formatDate(read.accessed_at)),
      cell("wallet.log.who", nameOf(read.grantee)),
      cell("wallet.log.purpose", t(`purpose.${read.purpose}`)),
      cell("wallet.log.fields", fields),
      cell("wallet.log.outcome", t(`wallet.log.${read.outcome}`), { class: read.outcome }),
    ));
  }
}

function markOffers(data) {
  const active = new Set(data.consents.filter((c) => c.status === "active" || c.status === "pending").map((c) => String(c.offer_id)));
  for (const offer of document.querySelectorAll("li.offer")) {
    const granted = active.has(offer.dataset.offerId);
    offer.querySelector("button.grant").disabled = granted;
    offer.querySelector(".offer-state").textContent = granted ? t("wallet.offer.already") : "";
  }
}

async function grant(offer, button) {
  const state = offer.querySelector(".offer-state");
  busy(button, true);
  state.textContent = t("wallet.offer.granting");
  try {
    const key = await pairwiseKey(offer.dataset.advertiser);
    const expiry = Math.floor(Date.now() / 1000) + config.consentDays * 86400;
    const prepared = await api.post("/v1/consents/typed-data", { offer_id: Number(offer.dataset.offerId), subject: key.address, expiry });
    const payload = prepared.typed_data;
    const signature = await signPayload(key, payload);
    await api.post("/v1/consents", { message: payload.message, signature, domain: payload.domain });
    await refresh();
    state.textContent = t("wallet.offer.granted");
    showNotice(t("wallet.offer.granted"));
  } catch (error) {
    state.textContent = "";
    busy(button, false);
    showError(error);
  }
}

async function withdraw(consentId, grantee, button) {
  busy(button, true);
  try {
    const key = await pairwiseKey(grantee);
    const body = await signedWithdrawal(key, signing, consentId);
    await api.post(`/v1/consents/${consentId}/withdrawal`, body);
    await refresh();
    showNotice(t("wallet.consent.withdrawn"));
  } catch (error) {
    busy(button, false);
    showError(error);
  }
}

async function downloadExport(button) {
  busy(button, true);
  try {
    const data = await api.get("/v1/subjects/me/export");
    const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
    const link = element("a", { href: URL.createObjectURL(blob), download: `trustledger-export-${data.exported_at.slice(0, 10)}.json` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    showNotice(t("wallet.export.done"));
  } catch (error) {
    showError(error);
  } finally {
    busy(button, false);
  }
}

async function erase(button) {
  busy(button, true);
  try {
    const data = exported ?? (await api.get("/v1/subjects/me/export"));
    const withdrawals = [];
    for (const consent of data.consents) {
      const grantee = granteeOf(consent, data);
      if ((consent.status === "active" || consent.status === "pending") && grantee) {
        withdrawals.push(await signedWithdrawal(await pairwiseKey(grantee), signing, consent.consent_id));
      }
    }
    const proof = await signedSiwe(api, signer, config.erasureStatement);
    const erased = await api.delete("/v1/subjects/me", { ...proof, withdrawals });
    api.setSession(null);
    pairwiseKeys.clear();
    hide(document.getElementById("signed-in"));
    document.getElementById("erased-summary").textContent = t("wallet.erased.summary", { count: erased.consents.length });
    show(document.getElementById("erased"));
    document.getElementById("erased").focus();
    for (const grantButton of document.querySelectorAll("button.grant")) grantButton.disabled = true;
  } catch (error) {
    busy(button, false);
    showError(error);
  }
}

function wire() {
  formatPage();
  document.getElementById("connect-button").addEventListener("click", connect);
  document.getElementById("sign-out").addEventListener("click", signOut);
  for (const offer of document.querySelectorAll("li.offer")) {
    const button = offer.querySelector("button.grant");
    offer.querySelector(".offer-state").textContent = t("wallet.offer.signin");
    button.addEventListener("click", () => grant(offer, button));
  }
  const exportButton = document.getElementById("export-button");
  exportButton.addEventListener("click", () => downloadExport(exportButton));
  const confirm = document.getElementById("erase-confirm");
  const understood = document.getElementById("erase-understood");
  const go = document.getElementById("erase-go");
  document.getElementById("erase-button").addEventListener("click", () => { show(confirm); understood.focus(); });
  document.getElementById("erase-cancel").addEventListener("click", () => { hide(confirm); understood.checked = false; go.disabled = true; });
  understood.addEventListener("change", () => { go.disabled = !understood.checked; });
  go.addEventListener("click", () => erase(go));
}

wire();
