// The advertiser console (/console/advertiser): sign in (wallet or API key), the advertiser's
// campaigns with their status from the mirror, create a campaign (the API checks the terms
// against campaign-terms.v1.json; its refusals are shown next to the fields), fund and top
// up with the custodial key or, for a non-custodial advertiser, with the wallet (an EIP-2612
// permit and the fundWithPermit transaction it signs, relayed by the API; web/lib/wallet-calls.js),
// spend and traffic charts, the settlement timeline with the challenge button, and an event's
// proof, checked here against the chain (web/lib/event-proof.js). Text from data goes through
// textContent only.

import { participantApi, wireSignIn } from "../lib/participant-session.js";
import { formatAmount, formatDate, formatDuration, pageData, t } from "../lib/i18n.js";
import { element, hide, show, showError, showNotice } from "../lib/dom.js";
import { barChart, lineChart } from "../lib/chart.js";
import { fieldErrors, parseAmount } from "../lib/campaign-form.js";
import { checkEventProof } from "../lib/event-proof.js";
import { BrowserProvider } from "ethers";
import { SIGNATURE_REQUIRED, sendWithWallet, signPermit, walletSigner } from "../lib/wallet-calls.js";

const api = participantApi();
let tokens = []; // GET /v1/tokens
let selected = null; // the campaign open in the detail section
let showing = null; // the id of the campaign asked for last (answers for another are dropped)
let account = { signer: null, participant: null }; // from the sign-in
const $ = (id) => document.getElementById(id);
const idempotency = () => ({ "Idempotency-Key": crypto.randomUUID() });

const money = (amount, token) => formatAmount(amount, token.decimals, token.symbol);

function isPending(campaign) {
  return campaign.anchored_at === null || campaign.pending_transactions.length > 0;
}

function statusCell(campaign) {
  const cell = element("td", { class: "state", "data-label": t("advertiser.campaigns.status") });
  const known = ["unfunded", "active", "paused", "ended", "refunded", "pending"];
  cell.append(element("span", { class: `badge ${campaign.status}` },
    known.includes(campaign.status) ? t(`advertiser.status.${campaign.status}`) : campaign.status));
  // A campaign not created on chain yet says so in its badge; otherwise a transaction on its way is noted.
  if (isPending(campaign) && campaign.status !== "pending") {
    cell.append(" ", element("span", { class: "pending" }, t("advertiser.campaigns.pending")));
  }
  return cell;
}

async function loadCampaigns() {
  const loading = $("campaigns-loading");
  show(loading);
  try {
    const campaigns = await api.get("/v1/campaigns");
    const body = $("campaigns").querySelector("tbody");
    body.replaceChildren(...campaigns.map((campaign) => {
      const open = element("button", { type: "button", class: "open" }, t("advertiser.campaigns.open"));
      open.addEventListener("click", () => openCampaign(campaign.id));
      const row = element("tr", { "data-campaign-id": campaign.id },
        element("td", { class: "name", "data-label": t("advertiser.campaigns.name") }, campaign.name),
        statusCell(campaign),
        element("td", { "data-label": t("advertiser.campaigns.budget") }, money(campaign.budget, campaign.token)),
        element("td", { "data-label": t("advertiser.campaigns.deposit") }, money(campaign.deposit, campaign.token)),
        element("td", { "data-label": t("advertiser.campaigns.spent") }, money(campaign.spent, campaign.token)),
        element("td", { "data-label": t("advertiser.campaigns.ends") }, formatDate(campaign.end_time)),
        element("td", {}, open));
      if (isPending(campaign)) row.dataset.pending = "true";
      return row;
    }));
    $("campaigns").hidden = campaigns.length === 0;
    $("campaigns-empty").hidden = campaigns.length !== 0;
  } catch (error) {
    showError(error);
  } finally {
    hide(loading);
  }
}

// ---- create -------------------------------------------------------------------------

function clearErrors(form) {
  for (const node of form.querySelectorAll("[data-error-for]")) {
    node.textContent = "";
    hide(node);
  }
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

function showFieldErrors(form, errors) {
  let first = null;
  for (const [field, messages] of Object.entries(errors)) {
    const node = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`) ?? form.querySelector('[data-error-for="form"]');
    node.textContent = [node.textContent, ...messages].filter(Boolean).join(" ");
    show(node);
    const input = form.querySelector(`[aria-describedby="${CSS.escape(node.id)}"]`);
    if (input?.matches("input, select")) input.setAttribute("aria-invalid", "true");
    first ??= input;
  }
  first?.focus?.();
}

function tokenOf(symbol) {
  return tokens.find((token) => token.symbol === symbol) ?? { decimals: 6, symbol };
}

function createBody(form) {
  const errors = {};
  const value = (name) => form.elements[name].value.trim();
  const token = tokenOf(value("token"));
  const add = (field, message) => { (errors[field] ??= []).push(message); };
  const amount = (name, field, required) => {
    const text = value(name);
    if (!text) {
      if (required) add(field, t("advertiser.create.required"));
      return undefined;
    }
    const parsed = parseAmount(text, token.decimals);
    if (parsed === null) add(field, t("advertiser.create.badAmount", { decimals: token.decimals }));
    return parsed ?? undefined;
  };
  const pricing = {};
  for (const kind of ["cpm", "cpc", "cpa"]) {
    const price = amount(kind, `terms.pricing.${kind}`, false);
    // The schema wants JSON integers: a base-unit price is sent as a number when it is exact.
    if (price !== undefined) pricing[kind] = Number.isSafeInteger(Number(price)) ? Number(price) : price;
  }
  const terms = { version: 1, pricing };
  const window = value("attribution_window_days");
  if (window) {
    if (/^\d+$/.test(window)) terms.conditions = { attribution_window_days: Number(window) };
    else add("terms.conditions.attribution_window_days", t("advertiser.create.badInteger"));
  }
  const ends = value("ends_at");
  const endsAt = ends ? new Date(ends) : null;
  if (!endsAt || Number.isNaN(endsAt.getTime())) add("ends_at", t("advertiser.create.badDate"));
  const body = {
    name: value("name"), token: token.symbol, budget: amount("budget", "budget", true) ?? "0", terms,
    ends_at: endsAt && !Number.isNaN(endsAt.getTime()) ? endsAt.toISOString() : "",
  };
  return { body, errors };
}

async function createCampaign(event) {
  event.preventDefault();
  const form = event.target;
  clearErrors(form);
  const { body, errors } = createBody(form);
  if (Object.keys(errors).length) {
    showFieldErrors(form, errors);
    return;
  }
  const button = $("create-submit");
  button.disabled = true;
  try {
    // A non-custodial advertiser's wallet signs createCampaign when the API asks for it.
    const created = await sendWithWallet((extra) => api.post("/v1/campaigns", { ...body, ...extra }, idempotency()),
      { signer: account.signer, onSigning: () => showNotice(t("advertiser.wallet.signCreate")) });
    showNotice(t("advertiser.create.created", { name: created.name }));
    form.reset();
    defaultEnd();
    await loadCampaigns();
  } catch (error) {
    const mapped = fieldErrors(error);
    if (mapped) showFieldErrors(form, mapped);
    showError(error);
  } finally {
    button.disabled = false;
  }
}

function defaultEnd() {
  const end = new Date(Date.now() + 30 * 86400_000);
  end.setSeconds(0, 0);
  const local = new Date(end.getTime() - end.getTimezoneOffset() * 60_000);
  $("create-ends").value = local.toISOString().slice(0, 16);
}

// ---- one campaign -------------------------------------------------------------------

function facts(list, pairs) {
  list.replaceChildren(...pairs.flatMap(([term, value]) => [element("dt", {}, term), element("dd", {}, value)]));
}

// "CPM 2.00 tUSD · CPC 0.05 tUSD": the prices of the terms in the token, not their JSON.
function describeTerms(campaign) {
  const pricing = campaign.terms.document?.pricing ?? {};
  const prices = ["cpm", "cpc", "cpa"].filter((kind) => pricing[kind] !== undefined)
    .map((kind) => `${kind.toUpperCase()} ${money(String(pricing[kind]), campaign.token)}`);
  return prices.join(" · ") || "—";
}

async function openCampaign(id, { quiet = false } = {}) {
  const detail = $("detail");
  show(detail);
  showing = id;
  if (!quiet) $("detail-title").textContent = t("common.loading");
  try {
    const [campaign, settlements, traffic] = await Promise.all([
      api.get(`/v1/campaigns/${id}`),
      api.get(`/v1/settlements/campaigns/${id}`),
      api.get(`/v1/campaigns/${id}/traffic`),
    ]);
    if (showing !== id) return null; // another campaign was opened meanwhile
    selected = campaign;
    detail.dataset.campaignId = id;
    $("detail-title").textContent = campaign.name;
    const status = $("detail-status");
    status.replaceChildren(...statusCell(campaign).childNodes);
    facts($("detail-facts"), [
      [t("advertiser.campaigns.budget"), money(campaign.budget, campaign.token)],
      [t("advertiser.campaigns.deposit"), money(campaign.deposit, campaign.token)],
      [t("advertiser.campaigns.spent"), money(campaign.spent, campaign.token)],
      [t("advertiser.facts.available"), money(campaign.available, campaign.token)],
      [t("advertiser.facts.chainId"), campaign.chain.campaign_id === null ? t("advertiser.campaigns.pending") : String(campaign.chain.campaign_id)],
      [t("advertiser.facts.terms"), describeTerms(campaign)],
      [t("advertiser.facts.pendingTx"), campaign.pending_transactions.map((tx) => tx.kind).join(", ") || "—"],
    ]);
    drawSpend(campaign, settlements);
    drawTraffic(campaign, traffic);
    drawTimeline(campaign, settlements);
    return campaign;
  } catch (error) {
    if (showing !== id) return null;
    $("detail-title").textContent = "";
    showError(error);
    return null;
  }
}

// While the open campaign has transactions the mirror has not seen, read it again every few
// seconds, so the page moves from pending to the mirrored state by itself (bounded: 5 minutes).
let watchTimer = null;
function watchPending(id, rounds = 150) {
  clearTimeout(watchTimer);
  watchTimer = setTimeout(async () => {
    if (showing !== id) return;
    const campaign = await openCampaign(id, { quiet: true });
    if (campaign && isPending(campaign) && rounds > 1) watchPending(id, rounds - 1);
    else if (campaign) await loadCampaigns();
  }, 2000);
}

const units = (amount, token) => Number(amount) / 10 ** token.decimals;

function drawSpend(campaign, settlements) {
  const points = settlements.settlements.filter((s) => s.committed_at !== null).sort((a, b) => a.epoch - b.epoch);
  const container = $("spend-chart");
  $("spend-empty").hidden = points.length > 0;
  if (points.length === 0) {
    container.replaceChildren();
    return;
  }
  // The line starts at nothing spent when the campaign was recorded on chain.
  const start = Math.floor(Date.parse(campaign.anchored_at ?? campaign.created_at) / 1000);
  const first = Number.isFinite(start) && start < points[0].committed_at ? [start] : [];
  const x = [...first, ...points.map((s) => s.committed_at)];
  const spent = [...first.map(() => 0), ...points.map((s) => units(s.cumulative_spent, campaign.token))];
  lineChart(container, {
    x,
    series: [
      { label: t("advertiser.charts.spent"), values: spent, fill: true },
      { label: t("advertiser.charts.budget"), values: x.map(() => units(campaign.budget, campaign.token)) },
    ],
    yFormat: (v, number) => number.format(v),
  });
}

function drawTraffic(campaign, traffic) {
  const total = traffic.total;
  const container = $("traffic-chart");
  const reasons = Object.keys(total.filtered_by_reason).sort();
  const empty = total.accepted + total.filtered === 0;
  $("traffic-empty").hidden = !empty;
  if (empty) container.replaceChildren();
  else {
    barChart(container, {
      labels: [t("advertiser.charts.accepted"), ...reasons],
      series: [{ label: t("advertiser.charts.events"), values: [total.accepted, ...reasons.map((r) => total.filtered_by_reason[r])] }],
    });
  }
  // Effective prices: the spend on each billed kind over its billed count (CPM per thousand).
  const line = (kind) => traffic.publishers.reduce((sum, p) => ({ billed: sum.billed + p[kind].billed,
    amount: sum.amount + BigInt(p[kind].billed_amount) }), { billed: 0, amount: 0n });
  const effective = (kind, scale) => {
    const { billed, amount } = line(kind);
    return billed === 0 ? t("advertiser.effective.none") : money(((amount * BigInt(scale)) / BigInt(billed)).toString(), campaign.token);
  };
  facts($("effective"), [
    [t("advertiser.effective.cpm"), effective("impressions", 1000)],
    [t("advertiser.effective.cpc"), effective("clicks", 1)],
    [t("advertiser.effective.cpa"), effective("conversions", 1)],
  ]);
}

// Settlement states: the mirror's (committed, matured, superseded, discarded, challenged) and,
// before the mirror has the commit, the backend's (queued, sending, mined, awaiting_attestations, failed).
const SETTLEMENT_STATES = ["queued", "sending", "mined", "awaiting_attestations", "committed", "challenged", "matured",
  "superseded", "discarded", "failed"];
const NOT_MIRRORED = new Set(["queued", "sending", "mined", "awaiting_attestations"]);

function settlementBadge(status) {
  const known = SETTLEMENT_STATES.includes(status);
  const badge = element("span", { class: `badge ${known ? status : ""}` },
    known ? t(`advertiser.settlement.${status}`) : status);
  if (!NOT_MIRRORED.has(status)) return [badge];
  return [badge, " ", element("span", { class: "pending" }, t("advertiser.campaigns.pending"))];
}

// "59 min, 58 sec": the time left until a root matures, ticking in the page.
function formatCountdown(seconds) {
  const left = Math.max(0, Math.round(seconds));
  const parts = { days: Math.floor(left / 86400), hours: Math.floor((left % 86400) / 3600),
    minutes: Math.floor((left % 3600) / 60), seconds: left % 60 };
  if (parts.days > 0) parts.seconds = 0;
  if (typeof Intl.DurationFormat === "function") {
    return new Intl.DurationFormat(document.documentElement.lang || undefined, { style: "short" }).format(parts);
  }
  return formatDuration(left);
}

let countdownTimer = null;
function tickCountdowns(offset) {
  const now = Date.now() / 1000 + offset; // the chain's time, as of the last read plus the wall clock since
  for (const node of document.querySelectorAll("#timeline .countdown[data-matures]")) {
    const left = Number(node.dataset.matures) - now;
    node.textContent = left > 0 ? t("advertiser.timeline.in", { time: formatCountdown(left) }) : t("advertiser.timeline.maturing");
  }
}

function drawTimeline(campaign, settlements) {
  const list = $("timeline");
  const bond = tokens.find((token) => token.address === campaign.token.address)?.challenge_bond;
  const chainTime = settlements.chain_time ?? Math.floor(Date.now() / 1000);
  $("timeline-empty").hidden = settlements.settlements.length > 0;
  list.replaceChildren(...settlements.settlements.map((s) => {
    const item = element("li", { "data-epoch": String(s.epoch), class: `settlement ${s.status}` },
      element("h4", {}, t("advertiser.timeline.epoch", { epoch: s.epoch }), " ", ...settlementBadge(s.status)));
    const details = element("dl", { class: "facts" });
    let matures;
    if (s.matures_at === null) matures = t("advertiser.timeline.notCommitted");
    else if (s.matures_at <= chainTime) matures = `${t("advertiser.timeline.matured")} ${formatDate(s.matures_at)}`;
    else {
      matures = element("span", {}, formatDate(s.matures_at), " ",
        element("span", { class: "countdown", "data-matures": String(s.matures_at) }));
    }
    facts(details, [
      [t("advertiser.timeline.billed"), money(s.billed_amount, campaign.token)],
      [t("advertiser.timeline.root"), element("code", {}, s.events_root)],
      [t("advertiser.timeline.tx"), s.commit?.tx_hash ? element("code", {}, s.commit.tx_hash) : t("advertiser.timeline.notCommitted")],
      [t("advertiser.timeline.matures"), matures],
    ]);
    item.append(details);
    if (s.matures_at !== null && s.matures_at > chainTime && !settlements.open_challenge && !NOT_MIRRORED.has(s.status)) {
      const button = element("button", { type: "button", class: "challenge danger" },
        t("advertiser.timeline.challenge", { bond: bond ? money(bond, campaign.token) : "—" }));
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          await api.post("/v1/challenges", { campaign_id: campaign.id, epoch: s.epoch });
          showNotice(t("advertiser.timeline.challenged"));
        } catch (error) {
          showError(error);
          button.disabled = false;
        }
      });
      item.append(button);
    }
    return item;
  }));
  clearInterval(countdownTimer);
  const offset = chainTime - Date.now() / 1000;
  tickCountdowns(offset);
  countdownTimer = setInterval(() => tickCountdowns(offset), 1000);
}

async function fund(event) {
  event.preventDefault();
  const form = event.target;
  clearErrors(form);
  if (!selected) return;
  const amount = parseAmount(form.elements.amount.value.trim(), selected.token.decimals);
  if (amount === null || amount === "0") {
    showFieldErrors(form, { amount: [t("advertiser.create.badAmount", { decimals: selected.token.decimals })] });
    return;
  }
  $("fund-submit").disabled = true;
  const campaign = selected;
  const post = (body) => api.post(`/v1/campaigns/${campaign.id}/fund`, body, idempotency());
  try {
    await fundWith(post, campaign, amount);
    showNotice(t("advertiser.fund.queued", { amount: money(amount, campaign.token) }));
    form.reset();
    await Promise.all([openCampaign(campaign.id), loadCampaigns()]);
    watchPending(campaign.id);
  } catch (error) {
    const mapped = fieldErrors(error);
    if (mapped) showFieldErrors(form, mapped);
    showError(error);
  } finally {
    $("fund-submit").disabled = false;
  }
}

// Custodial: one call, the platform signs approve + fund. Non-custodial: the API's first answer is
// the call to sign; the wallet signs a permit for the escrow it names, then the fundWithPermit
// transaction the API asks for with that permit, and the request goes again with both.
async function fundWith(post, campaign, amount) {
  try {
    return await post({ amount });
  } catch (error) {
    if (error?.code !== SIGNATURE_REQUIRED || !error.details) throw error;
    const signer = await walletSigner(error.details.from, account.signer);
    showNotice(t("advertiser.wallet.signPermit"));
    const permit = await signPermit(signer, campaign.token.address, error.details.to, amount);
    return sendWithWallet((extra) => post({ amount, permit, ...extra }),
      { signer, onSigning: () => showNotice(t("advertiser.wallet.signFund")) });
  }
}

async function lookUpProof(event) {
  event.preventDefault();
  const id = event.target.elements.event.value.trim();
  const result = $("proof-result");
  if (!/^\d+$/.test(id)) {
    showError(new Error(t("advertiser.create.badInteger")));
    return;
  }
  try {
    const proof = await api.get(`/v1/events/${id}/proof`);
    facts(result, [
      [t("advertiser.proof.epoch"), String(proof.epoch)],
      [t("advertiser.proof.root"), proof.events_root],
      [t("advertiser.proof.leaf"), proof.leaf_hash],
      [t("advertiser.proof.steps"), String(proof.proof.length)],
      [t("advertiser.proof.onChain"), proof.on_chain ? t("advertiser.proof.yes") : t("advertiser.proof.no")],
      [t("advertiser.proof.tx"), proof.commit_tx_hash ?? "—"],
    ]);
    show(result);
    await showProofCheck(proof);
  } catch (error) {
    hide(result);
    hide($("proof-check"));
    showError(error);
  }
}

const CHECK_KEYS = { chain: "chain", escrow: "escrow", "event hash": "eventHash", "record matches leaf": "recordMatchesLeaf",
  "settlement record": "settlementRecord", "merkle path": "merklePath", "record on chain": "recordOnChain", verifyEvent: "verifyEvent" };

// The proof checked without trusting the API: hashes and path here, the escrow through the wallet's node.
async function showProofCheck(proof) {
  const box = $("proof-check");
  const chain = pageData().chain;
  const verdict = $("proof-verdict");
  const list = $("proof-checks");
  list.replaceChildren();
  show(box);
  if (!chain) {
    verdict.textContent = t("advertiser.proof.noDeployment");
    return;
  }
  verdict.textContent = t("common.loading");
  const provider = window.ethereum ? new BrowserProvider(window.ethereum) : null;
  const checked = await checkEventProof(proof, { chain, provider });
  list.replaceChildren(...checked.checks.map((check) => element("li", { class: check.passed ? "pass" : "fail", "data-check": CHECK_KEYS[check.name] },
    element("span", { class: "badge" }, t(check.passed ? "advertiser.proof.pass" : "advertiser.proof.fail")), " ",
    t(`advertiser.proof.check.${CHECK_KEYS[check.name]}`),
    check.detail ? element("code", {}, check.detail) : "")));
  verdict.dataset.state = !checked.verified ? "failed" : checked.onChainChecked ? "verified" : "local";
  verdict.textContent = t(!checked.verified ? "advertiser.proof.failed"
    : checked.onChainChecked ? "advertiser.proof.verified" : "advertiser.proof.localOnly");
}

async function start(result) {
  account = result;
  const wallet = result.participant.custody_mode === "non_custodial";
  $("fund-note-custodial").hidden = wallet;
  $("fund-note-wallet").hidden = !wallet;
  show($("console"));
  defaultEnd();
  try {
    tokens = await api.get("/v1/tokens");
  } catch (error) {
    showError(error);
  }
  const select = $("create-token");
  select.replaceChildren(...tokens.filter((token) => token.allowed).map((token) => element("option", { value: token.symbol }, token.symbol)));
  await loadCampaigns();
}

$("create-form").addEventListener("submit", createCampaign);
$("fund-form").addEventListener("submit", fund);
$("proof-form").addEventListener("submit", lookUpProof);
wireSignIn(api, "advertiser", start);
