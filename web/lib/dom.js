// Small DOM helpers: build elements with text only (no HTML parsing), show and hide,
// and the page's one live region for notices and errors.

import { t } from "./i18n.js";

export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child); // strings become text nodes
  return node;
}

export function show(node) { node.hidden = false; }
export function hide(node) { node.hidden = true; }

function toast(text, kind) {
  const region = document.getElementById("toast");
  region.textContent = text;
  region.className = `toast ${kind}`;
  region.hidden = false;
}

export function showNotice(text) { toast(text, "notice"); }

// An API refusal is shown as its message (ApiError); a wallet's refusal to sign as such; an
// ethers error by its short message (its long one carries the request as JSON); anything else by its text.
export function showError(error) {
  const message = error?.code === "ACTION_REJECTED" ? t("console.wallet.rejected")
    : error?.shortMessage ?? error?.message ?? String(error);
  toast(t("common.error", { message }), "error");
}
