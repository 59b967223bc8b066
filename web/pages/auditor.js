// The auditor and admin console (/console/auditor): sign in as auditor or admin (wallet or
// API key), the challenge queue (resolve upheld or rejected, after a confirmation; upholding may
// name the billed events found invalid; a resolution sent but not mirrored yet is marked
// pending), and participant applications: approve with the
// roles chosen and a KYC expiry, suspend / unsuspend, renew KYC. Text from data goes through
// textContent only.

import { participantApi, wireSignIn } from "../lib/participant-session.js";
import { formatAmount, formatDate, pageData, t } from "../lib/i18n.js";
import { element, hide, show, showError, showNotice } from "../lib/dom.js";

const api = participantApi();
const $ = (id) => document.getElementById(id);
const idempotency = () => ({ "Idempotency-Key": crypto.randomUUID() });
let token = null; // the settlement token, for bonds
let countdowns = [];

// A wallet session is for the role picked when the auditor clicks sign-in.
const chosenRole = () => $("signin-role").value;

function money(amount) {
  return token ? formatAmount(amount, token.decimals, token.symbol) : String(amount);
}

function remaining(deadline) {
  const seconds = deadline - Math.floor(Date.now() / 1000);
  if (seconds <= 0) return t("auditor.queue.expired");
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return t("auditor.queue.remaining", { hours: new Intl.NumberFormat().format(hours), minutes });
}

function tick() {
  for (const [node, deadline] of countdowns) node.textContent = remaining(deadline);
}

const MAX_INVALID_EVENTS = 10_000; // the API's limit (ResolutionRequest.invalid_event_ids)

// "12, 13 14" -> [12, 13, 14]; throws the message to show beside the field.
function parseEventIds(text) {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const bad = parts.find((part) => !/^\d{1,18}$/.test(part));
  if (bad !== undefined) throw new Error(t("auditor.resolve.invalidBad", { value: bad }));
  if (parts.length > MAX_INVALID_EVENTS) throw new Error(t("auditor.resolve.invalidTooMany", { max: MAX_INVALID_EVENTS }));
  return parts.map(Number);
}

// Resolves to null (cancelled) or the resolution's body: { upheld, invalid_event_ids? }.
function confirmResolution(challenge, upheld) {
  const dialog = $("resolve-dialog");
  const corrections = $("resolve-corrections");
  const field = $("resolve-invalid");
  const fieldError = $("resolve-invalid-error");
  $("resolve-title").textContent = t(upheld ? "auditor.resolve.upholdTitle" : "auditor.resolve.rejectTitle");
  $("resolve-text").textContent = t(upheld ? "auditor.resolve.upholdText" : "auditor.resolve.rejectText", {
    campaign: challenge.campaign_name ?? `#${challenge.chain_campaign_id}`, epoch: challenge.epoch,
    bond: money(challenge.bond),
  });
  corrections.hidden = !upheld;
  field.value = "";
  field.removeAttribute("aria-invalid");
  fieldError.hidden = true;
  let body = null;
  const form = $("resolve-form");
  const check = (event) => {
    body = null;
    if (event.submitter?.value !== "confirm") return;
    try {
      const ids = upheld ? parseEventIds(field.value) : [];
      body = ids.length ? { upheld, invalid_event_ids: ids } : { upheld };
    } catch (error) {
      event.preventDefault(); // the dialog stays open with the error beside the field
      fieldError.textContent = error.message;
      fieldError.hidden = false;
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", "resolve-invalid-hint resolve-invalid-error");
      field.focus();
    }
  };
  form.addEventListener("submit", check);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      form.removeEventListener("submit", check);
      resolve(dialog.returnValue === "confirm" ? body : null);
    }, { once: true });
    dialog.returnValue = "";
    dialog.showModal();
  });
}

async function resolveChallenge(challenge, upheld, button) {
  const body = await confirmResolution(challenge, upheld);
  if (body === null) return;
  button.disabled = true;
  try {
    await api.post(`/v1/challenges/${challenge.campaign_id}/resolution`, body, idempotency());
    showNotice(t("auditor.resolve.sent"));
    await loadQueue();
  } catch (error) {
    showError(error);
    button.disabled = false;
  }
}

function challengeRow(challenge, mayResolve) {
  const status = element("td", { class: "state", "data-label": t("auditor.queue.status") });
  const pending = challenge.resolution_pending;
  status.append(element("span", { class: `badge ${challenge.outcome ?? "open"}` },
    t(`auditor.outcome.${challenge.outcome ?? "open"}`)));
  if (pending) status.append(" ", element("span", { class: "pending" }, t("auditor.queue.pending")));
  const countdown = element("span", { class: "countdown" }, remaining(challenge.deadline));
  if (challenge.outcome === null) countdowns.push([countdown, challenge.deadline]);
  const deadline = element("td", { "data-label": t("auditor.queue.deadline") },
    element("time", { datetime: new Date(challenge.deadline * 1000).toISOString() }, formatDate(challenge.deadline)),
    " ", countdown);
  const actions = element("td", {});
  if (mayResolve && challenge.outcome === null && !pending && challenge.campaign_id) {
    for (const upheld of [true, false]) {
      const button = element("button", { type: "button", class: upheld ? "uphold" : "reject" },
        t(upheld ? "auditor.queue.uphold" : "auditor.queue.reject"));
      button.addEventListener("click", () => resolveChallenge(challenge, upheld, button));
      actions.append(button, " ");
    }
  }
  const row = element("tr", { "data-chain-campaign-id": String(challenge.chain_campaign_id) },
    element("td", { class: "name", "data-label": t("auditor.queue.campaign") },
      challenge.campaign_name ?? `#${challenge.chain_campaign_id}`),
    element("td", { "data-label": t("auditor.queue.epoch") }, String(challenge.epoch)),
    element("td", { class: "address", "data-label": t("auditor.queue.challenger") }, challenge.challenger),
    element("td", { "data-label": t("auditor.queue.bond") }, money(challenge.bond)),
    status, deadline, actions);
  if (pending) row.dataset.pending = "true";
  return row;
}

let mayResolve = false;
const PENDING_REFRESH_MS = 10_000;

// A resolution sent but not mirrored yet: read the queue again until the indexer has it (not while
// the auditor is deciding in the dialog, nor in a hidden tab).
function refreshPending() {
  const waiting = document.querySelector('#queue tr[data-pending="true"]');
  if (waiting && document.visibilityState === "visible" && !$("resolve-dialog").open) loadQueue({ quiet: true });
}


async function loadQueue({ quiet = false } = {}) {
  if (!quiet) show($("queue-loading"));
  try {
    const challenges = await api.get("/v1/challenges");
    countdowns = [];
    $("queue").querySelector("tbody").replaceChildren(...challenges.map((c) => challengeRow(c, mayResolve)));
    $("queue").hidden = challenges.length === 0;
    $("queue-empty").hidden = challenges.length !== 0;
  } catch (error) {
    showError(error);
  } finally {
    hide($("queue-loading"));
  }
}

function dateInputValue(moment) {
  const date = moment ? new Date(moment) : new Date(Date.now() + 365 * 86400 * 1000);
  return date.toISOString().slice(0, 10);
}

// A date input's day, as the end of that day in the viewer's time zone.
function endOfDay(value) {
  const [year, month, day] = value.split("-").map(Number);
  return new Date(year, month - 1, day, 23, 59, 59).toISOString();
}

async function act(button, work, notice) {
  button.disabled = true;
  try {
    await work();
    showNotice(notice);
    await loadPeople();
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
  }
}

function personCard(person) {
  const id = person.id;
  const card = element("li", { class: "person card", "data-participant-id": id });
  const facts = element("dl", { class: "facts" },
    element("dt", {}, t("auditor.people.status")), element("dd", { class: "status" }, t(`auditor.status.${person.status}`)),
    element("dt", {}, t("auditor.people.requested")), element("dd", {}, person.requested_roles.join(", ") || "—"),
    element("dt", {}, t("auditor.people.roles")), element("dd", { class: "roles" }, person.roles.join(", ") || "—"),
    element("dt", {}, t("auditor.people.address")), element("dd", { class: "address" }, person.chain_address ?? "—"),
    element("dt", {}, t("auditor.people.applied")), element("dd", {}, formatDate(person.created_at)),
    element("dt", {}, t("auditor.people.kyc")),
    element("dd", { class: "kyc" }, person.kyc_expires_at ? formatDate(person.kyc_expires_at) : "—"));
  card.append(element("h3", { class: "name" }, person.display_name), facts);

  const dateId = `kyc-${id}`;
  const date = element("input", { type: "date", id: dateId, name: "kyc_expires_at", value: dateInputValue(person.kyc_expires_at), required: "" });
  const form = element("form", { class: "admin-form", novalidate: "" });
  if (person.status === "pending") {
    const roles = element("fieldset", { class: "roles-choice" }, element("legend", {}, t("auditor.people.grant")));
    for (const role of pageData().roles) {
      const boxId = `role-${id}-${role}`;
      const box = element("input", { type: "checkbox", id: boxId, name: "roles", value: role });
      if (person.requested_roles.includes(role)) box.checked = true;
      roles.append(element("span", { class: "choice" }, box, element("label", { for: boxId }, role)));
    }
    const approve = element("button", { type: "submit", class: "primary approve" }, t("auditor.people.approve"));
    form.append(roles, element("label", { for: dateId }, t("auditor.people.kycUntil")), " ", date, " ", approve);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const chosen = [...roles.querySelectorAll("input:checked")].map((box) => box.value);
      if (!date.value) return showError(new Error(t("auditor.people.needDate")));
      act(approve, () => api.post(`/v1/participants/${id}/approve`, { roles: chosen, kyc_expires_at: endOfDay(date.value) }, idempotency()),
        t("auditor.people.approved", { name: person.display_name }));
    });
  } else {
    const renew = element("button", { type: "submit", class: "kyc-set" }, t("auditor.people.setKyc"));
    form.append(element("label", { for: dateId }, t("auditor.people.kycUntil")), " ", date, " ", renew);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!date.value) return showError(new Error(t("auditor.people.needDate")));
      act(renew, () => api.post(`/v1/participants/${id}/kyc`, { kyc_expires_at: endOfDay(date.value) }, idempotency()),
        t("auditor.people.kycSet", { name: person.display_name }));
    });
    const suspended = person.status === "suspended";
    const toggle = element("button", { type: "button", class: suspended ? "unsuspend" : "suspend" },
      t(suspended ? "auditor.people.unsuspend" : "auditor.people.suspend"));
    toggle.addEventListener("click", () => act(toggle,
      () => api.post(`/v1/participants/${id}/${suspended ? "unsuspend" : "suspend"}`, {}, idempotency()),
      t(suspended ? "auditor.people.unsuspended" : "auditor.people.suspended", { name: person.display_name })));
    form.append(" ", toggle);
  }
  card.append(form);
  return card;
}

async function loadPeople() {
  show($("people-loading"));
  try {
    const status = $("people-status").value;
    const people = await api.get(`/v1/participants${status ? `?status=${encodeURIComponent(status)}` : ""}`);
    $("people").replaceChildren(...people.map(personCard));
    $("people-empty").hidden = people.length !== 0;
  } catch (error) {
    $("people").replaceChildren();
    showError(error);
  } finally {
    hide($("people-loading"));
  }
}

wireSignIn(api, chosenRole, async ({ participant }) => {
  mayResolve = participant.roles.includes("auditor");
  show($("console"));
  try {
    token = (await api.get("/v1/tokens"))[0] ?? null;
  } catch { token = null; }
  $("people-status").addEventListener("change", loadPeople);
  await Promise.all([loadQueue(), participant.roles.includes("admin") || participant.roles.includes("kyc_officer") ? loadPeople() : Promise.resolve(hide($("people").closest("section")))]);
  setInterval(tick, 30_000);
  setInterval(refreshPending, PENDING_REFRESH_MS);
});
