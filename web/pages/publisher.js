// The publisher console (/console/publisher): sign in (wallet or API key), billed / matured /
// paid / pending per campaign with "pay now" (the API's refusals shown as its message), the
// payouts with their transaction hashes (those on their way marked pending), the signing keys
// of event batches (add, list, revoke after a confirmation), and the traffic quality by filter
// reason as a bar chart and a table. Text from data goes through textContent only.

import { participantApi, wireSignIn } from "../lib/participant-session.js";
import { formatAmount, formatDate, locale, t } from "../lib/i18n.js";
import { element, hide, show, showError, showNotice } from "../lib/dom.js";
import { barChart } from "../lib/chart.js";

const api = participantApi();
const $ = (id) => document.getElementById(id);
const idempotency = () => ({ "Idempotency-Key": crypto.randomUUID() });
let me = null; // GET /v1/participants/me
let decimals = {}; // token symbol -> decimals, from GET /v1/tokens
let revoking = null; // the key the confirmation is about

const money = (amount, symbol) => formatAmount(amount, decimals[symbol] ?? 6, symbol);
const campaignName = (line) => t("publisher.earnings.campaignName", { id: line.chain_campaign_id });
const cell = (label, ...children) => element("td", { "data-label": label }, ...children);

// ---- earnings and payouts ----------------------------------------------------------------

function earningsRow(line) {
  const pay = element("button", { type: "button", class: "pay-now primary" }, t("publisher.earnings.payNow"));
  if (line.campaign_id === null) {
    pay.disabled = true;
    pay.title = t("publisher.earnings.unknownCampaign");
  } else pay.addEventListener("click", () => payNow(line, pay));
  const name = cell(t("publisher.earnings.campaign"), element("span", { class: "name" }, campaignName(line)));
  if (line.frozen) name.append(" ", element("span", { class: "pending frozen" }, t("publisher.earnings.frozen")));
  if (line.in_flight.length > 0) name.append(" ", element("span", { class: "pending" }, t("publisher.payouts.pending")));
  const amount = (kind, label) => cell(t(label), element("span", { class: "amount", "data-kind": kind }, money(line[kind], line.token)));
  const row = element("tr", { "data-chain-campaign-id": String(line.chain_campaign_id) },
    name,
    amount("billed", "publisher.earnings.billed"),
    amount("matured", "publisher.earnings.matured"),
    amount("paid", "publisher.earnings.paid"),
    amount("pending", "publisher.earnings.pending"),
    amount("claimable", "publisher.earnings.claimable"),
    element("td", {}, pay));
  if (line.in_flight.length > 0) row.dataset.pending = "true";
  return row;
}

function payoutRows(line) {
  const name = campaignName(line);
  const paid = line.payouts.map((payout) => element("tr", { class: "payout paid", "data-tx-hash": payout.tx_hash },
    cell(t("publisher.payouts.when"), formatDate(payout.block_timestamp)),
    cell(t("publisher.earnings.campaign"), name),
    cell(t("publisher.payouts.amount"), element("span", { class: "amount" }, money(payout.amount, line.token))),
    cell(t("publisher.payouts.fee"), money(payout.fee, line.token)),
    cell(t("publisher.payouts.status"), element("span", { class: "badge paid" }, t("publisher.payouts.paid"))),
    cell(t("publisher.payouts.tx"), element("code", { class: "tx" }, payout.tx_hash))));
  // On its way: queued or sent, not yet mirrored by the indexer.
  const inFlight = line.in_flight.map((tx) => element("tr", { class: "payout in-flight", "data-pending": "true" },
    cell(t("publisher.payouts.when"), "—"),
    cell(t("publisher.earnings.campaign"), name),
    cell(t("publisher.payouts.amount"), "—"),
    cell(t("publisher.payouts.fee"), "—"),
    cell(t("publisher.payouts.status"), element("span", { class: tx.status === "failed" ? "badge failed" : "pending" },
      tx.status === "failed" ? t("publisher.payouts.failed") : t("publisher.payouts.pending"))),
    cell(t("publisher.payouts.tx"), tx.tx_hash ? element("code", { class: "tx" }, tx.tx_hash) : t("publisher.payouts.notSent"))));
  return [...inFlight, ...paid];
}

function drawTotals(report) {
  $("totals").replaceChildren(...report.totals.flatMap((total) => [
    element("dt", {}, total.token),
    element("dd", { "data-token": total.token }, t("publisher.totals.line", {
      earned: money(total.earned, total.token), paid: money(total.paid, total.token),
      fees: money(total.fees, total.token), pending: money(total.pending, total.token),
    })),
  ]));
  $("totals-empty").hidden = report.totals.length > 0;
}

async function loadMoney() {
  show($("earnings-loading"));
  show($("payouts-loading"));
  try {
    const [payouts, report] = await Promise.all([
      api.get(`/v1/payouts/${me.id}`),
      api.get(`/v1/publishers/${me.id}/report`),
    ]);
    const lines = payouts.campaigns;
    $("earnings").querySelector("tbody").replaceChildren(...lines.map(earningsRow));
    $("earnings").hidden = lines.length === 0;
    $("earnings-empty").hidden = lines.length !== 0;
    drawTotals(report);
    const rows = lines.flatMap(payoutRows);
    $("payouts").querySelector("tbody").replaceChildren(...rows);
    $("payouts").hidden = rows.length === 0;
    $("payouts-empty").hidden = rows.length !== 0;
  } catch (error) {
    showError(error);
  } finally {
    hide($("earnings-loading"));
    hide($("payouts-loading"));
  }
}

async function payNow(line, button) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  button.textContent = t("publisher.earnings.paying");
  try {
    await api.post(`/v1/payouts/${me.id}`, { campaign_id: line.campaign_id }, idempotency());
    showNotice(t("publisher.earnings.queued", { id: line.chain_campaign_id }));
    await loadMoney();
  } catch (error) {
    showError(error);
    button.disabled = false;
    button.setAttribute("aria-busy", "false");
    button.textContent = t("publisher.earnings.payNow");
  }
}

// ---- signing keys ------------------------------------------------------------------------

function keyRow(key) {
  const status = key.revoked_at
    ? element("span", { class: "badge revoked" }, t("publisher.keys.revokedAt", { date: formatDate(key.revoked_at) }))
    : element("span", { class: "badge active" }, key.wallet ? t("publisher.keys.wallet") : t("publisher.keys.active"));
  const action = element("td", {});
  if (key.id !== null && !key.revoked_at) {
    const revoke = element("button", { type: "button", class: "revoke danger" }, t("publisher.keys.revoke"));
    revoke.addEventListener("click", () => askRevoke(key, revoke));
    action.append(revoke);
  }
  const row = element("tr", { class: "key", "data-key": key.key },
    cell(t("publisher.keys.label"), element("span", { class: "label" }, key.label ?? t("publisher.keys.noLabel"))),
    cell(t("publisher.keys.algorithm"), key.algorithm),
    cell(t("publisher.keys.key"), element("code", { class: "key-text" }, key.key)),
    cell(t("publisher.keys.added"), key.created_at ? formatDate(key.created_at) : "—"),
    cell(t("publisher.keys.status"), status),
    action);
  if (key.id !== null) row.dataset.keyId = key.id;
  if (key.revoked_at) row.dataset.revoked = "true";
  return row;
}

async function loadKeys() {
  show($("keys-loading"));
  try {
    const keys = await api.get("/v1/publishers/me/signing-keys");
    $("keys").querySelector("tbody").replaceChildren(...keys.map(keyRow));
    $("keys").hidden = keys.length === 0;
    $("keys-empty").hidden = keys.length !== 0;
  } catch (error) {
    showError(error);
  } finally {
    hide($("keys-loading"));
  }
}

let revokeOpener = null;

function askRevoke(key, opener) {
  revoking = key;
  revokeOpener = opener;
  $("revoke-confirm-key").textContent = `${key.label ?? t("publisher.keys.noLabel")} · ${key.key}`;
  show($("revoke-confirm"));
  $("revoke-go").focus();
}

function closeRevoke() {
  revoking = null;
  hide($("revoke-confirm"));
  revokeOpener?.focus?.();
}

async function revoke() {
  if (!revoking) return;
  const go = $("revoke-go");
  go.disabled = true;
  try {
    await api.delete(`/v1/publishers/me/signing-keys/${revoking.id}`);
    showNotice(t("publisher.keys.revoked"));
    revoking = null;
    revokeOpener = null;
    hide($("revoke-confirm"));
    await loadKeys();
  } catch (error) {
    showError(error);
  } finally {
    go.disabled = false;
  }
}

function clearErrors(form) {
  for (const node of form.querySelectorAll("[data-error-for]")) {
    node.textContent = "";
    hide(node);
  }
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

function fieldError(form, field, message) {
  const node = form.querySelector(`[data-error-for="${field}"]`) ?? form.querySelector('[data-error-for="form"]');
  node.textContent = message;
  show(node);
  const input = form.elements[field];
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

// Which field an API refusal of a key is about: its key_* codes and 422 locations name it.
function refusedField(error) {
  if (error.code?.startsWith("key_")) return "key";
  const location = error.details?.find?.((detail) => Array.isArray(detail.location))?.location ?? [];
  return ["key", "label", "algorithm"].find((name) => location.includes(name)) ?? "form";
}

async function addKey(event) {
  event.preventDefault();
  const form = event.target;
  clearErrors(form);
  const key = form.elements.key.value.trim();
  const label = form.elements.label.value.trim();
  if (!key) {
    fieldError(form, "key", t("publisher.keys.add.required"));
    return;
  }
  const button = $("key-submit");
  button.disabled = true;
  try {
    await api.post("/v1/publishers/me/signing-keys", { algorithm: form.elements.algorithm.value, key, label: label || null });
    showNotice(t("publisher.keys.add.added"));
    form.reset();
    await loadKeys();
  } catch (error) {
    fieldError(form, refusedField(error), error.message);
    showError(error);
  } finally {
    button.disabled = false;
  }
}

// ---- traffic quality ---------------------------------------------------------------------

const reasonName = (reason) => {
  const key = `publisher.reason.${reason}`;
  const text = t(key);
  return text === key ? reason : text;
};

function drawTraffic(traffic) {
  const total = traffic.total;
  const received = total.accepted + total.filtered;
  const number = new Intl.NumberFormat(locale());
  const percent = new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 1 });
  const reasons = Object.entries(total.filtered_by_reason).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const rows = [["accepted", t("publisher.traffic.accepted"), total.accepted],
    ...reasons.map(([reason, count]) => [reason, reasonName(reason), count])];
  const empty = received === 0;
  $("traffic-empty").hidden = !empty;
  $("traffic").hidden = empty;
  const batches = traffic.batches;
  $("batches").replaceChildren(...(empty ? [] : [
    [t("publisher.traffic.batches"), batches.batches], [t("publisher.traffic.received"), batches.events],
    [t("publisher.traffic.accepted"), total.accepted], [t("publisher.traffic.filtered"), total.filtered],
    [t("publisher.traffic.duplicates"), batches.duplicates], [t("publisher.traffic.rejected"), batches.rejected],
    [t("publisher.traffic.billed"), total.billed],
  ].flatMap(([term, value]) => [element("dt", {}, term), element("dd", {}, number.format(value))])));
  $("traffic").querySelector("tbody").replaceChildren(...rows.map(([reason, name, count]) =>
    element("tr", { "data-reason": reason },
      element("th", { scope: "row" }, name),
      element("td", { class: "count" }, number.format(count)),
      element("td", {}, percent.format(received ? count / received : 0)))));
  // The chart: filtered events by reason (the accepted ones would dwarf them; the table has both).
  const container = $("traffic-chart");
  $("traffic-clean").hidden = empty || reasons.length > 0;
  if (reasons.length === 0) container.replaceChildren();
  else {
    const chart = barChart(container, {
      labels: reasons.map(([reason]) => reasonName(reason)),
      series: [{ label: t("publisher.traffic.filtered"), values: reasons.map(([, count]) => count) }],
    });
    chart.setScale("x", { min: -0.5, max: reasons.length - 0.5 }); // a bar's width of room on each side
    // Counts from zero, with room above the highest bar (at least 5: whole-number ticks).
    chart.setScale("y", { min: 0, max: Math.max(5, Math.ceil(Math.max(...reasons.map(([, count]) => count)) * 1.15)) });
  }
}

async function loadTraffic() {
  show($("traffic-loading"));
  try {
    drawTraffic(await api.get(`/v1/publishers/${me.id}/traffic`));
  } catch (error) {
    showError(error);
  } finally {
    hide($("traffic-loading"));
  }
}

async function start({ participant }) {
  me = participant;
  show($("console"));
  try {
    decimals = Object.fromEntries((await api.get("/v1/tokens")).map((token) => [token.symbol, token.decimals]));
  } catch (error) {
    showError(error);
  }
  await loadAll();
}

// Everything again (the indexer may have caught up); body[data-loaded] tells when it is drawn.
async function loadAll() {
  document.body.dataset.loaded = "false";
  await Promise.all([loadMoney(), loadKeys(), loadTraffic()]);
  document.body.dataset.loaded = "true";
}

$("refresh").addEventListener("click", async () => {
  const button = $("refresh");
  button.disabled = true;
  try {
    await loadAll();
  } finally {
    button.disabled = false;
  }
});
$("key-form").addEventListener("submit", addKey);
$("revoke-go").addEventListener("click", revoke);
$("revoke-cancel").addEventListener("click", closeRevoke);
wireSignIn(api, "publisher", start);
