// The brand console (/console/brand): sign in (wallet or API key), the brand's products with their
// serial batches and recall state, per-serial QR codes (PNG and SVG, fetched with the in-memory token
// and shown as data: URLs, so they stay brand-only) and a printable sheet of a serial range, a
// serial's EPCIS history with anchored/pending marks, scan analytics, and recall with a confirmation
// step. Text from data goes through textContent only.

import { participantApi, wireSignIn } from "../lib/participant-session.js";
import { formatDate, locale, plural, t } from "../lib/i18n.js";
import { element, hide, show, showError, showNotice } from "../lib/dom.js";
import { lineChart } from "../lib/chart.js";

const api = participantApi();
const $ = (id) => document.getElementById(id);
let selected = null; // the product open in the detail section
let nextAfter = null;
const PRODUCTS_PAGE = 50;
const PRODUCTS_MAX = 500; // the API's largest page
let productsShown = 0;
const enc = encodeURIComponent;
const number = (value) => new Intl.NumberFormat(locale()).format(value);

function dataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

const qrPath = (gtin, serial, kind) => `/v1/products/${enc(gtin)}/${enc(serial)}/qr.${kind}`;

async function qrImage(gtin, serial, kind = "png") {
  return dataUrl(await api.blob(qrPath(gtin, serial, kind)));
}

// A download of the QR image (PNG or SVG), fetched with the token when clicked.
function qrDownload(gtin, serial, kind) {
  const button = element("button", { type: "button", class: `download-${kind}`, "data-serial": serial },
    t(`brand.serials.${kind}`));
  button.addEventListener("click", async () => {
    try {
      const link = element("a", { href: await qrImage(gtin, serial, kind), download: `${gtin}-${serial}.${kind}` });
      document.body.append(link);
      link.click();
      link.remove();
    } catch (error) {
      showError(error);
    }
  });
  return button;
}

function recallBadge(state) {
  return element("span", { class: `badge ${state}` }, t(`brand.recall.${state}`));
}

// The catalogue a page at a time (PRODUCTS_PAGE rows, one more asked for to know whether more follow):
// `more` appends the next page; otherwise the rows shown so far are read again (after a recall).
async function loadProducts(more = false) {
  show($("products-loading"));
  try {
    const offset = more ? productsShown : 0;
    const wanted = more ? PRODUCTS_PAGE : Math.min(Math.max(productsShown, PRODUCTS_PAGE), PRODUCTS_MAX - 1);
    const page = await api.get(`/v1/products?limit=${wanted + 1}&offset=${offset}`);
    const products = page.slice(0, wanted);
    const rows = products.map((product) => {
      const open = element("button", { type: "button", class: "open" }, t("brand.products.open"));
      open.addEventListener("click", () => openProduct(product));
      const ranges = element("ul", { class: "batches" }, ...product.batches.map((batch) => element("li", {},
        batch.first_serial === null ? t("brand.products.noSerials")
          : t("brand.products.range", { first: batch.first_serial, last: batch.last_serial, count: number(batch.serial_count) }),
        ...(batch.registered_on_chain ? [] : [" ", element("span", { class: "pending" }, t("brand.products.pending"))]))));
      return element("tr", { "data-gtin": product.gtin },
        element("td", { class: "name", "data-label": t("brand.products.name") }, product.name),
        element("td", { class: "gtin", "data-label": t("brand.products.gtin") }, product.gtin),
        element("td", { "data-label": t("brand.products.serials") }, number(product.serial_count)),
        element("td", { "data-label": t("brand.products.batches") }, ranges),
        element("td", { class: "recall", "data-label": t("brand.products.recall") }, recallBadge(product.recall)),
        element("td", { class: "actions" }, open));
    });
    const body = $("products").querySelector("tbody");
    if (more) body.append(...rows); else body.replaceChildren(...rows);
    productsShown = offset + products.length;
    $("products-more").hidden = page.length <= wanted;
    $("products").hidden = productsShown === 0;
    $("products-empty").hidden = productsShown !== 0;
    return products;
  } catch (error) {
    showError(error);
    return [];
  } finally {
    hide($("products-loading"));
  }
}

function serialRow(gtin, row) {
  const history = element("button", { type: "button", class: "history" }, t("brand.serials.history"));
  history.addEventListener("click", () => loadHistory(gtin, row.serial));
  const cell = element("td", { class: "qr-cell", "data-label": t("brand.serials.qr") });
  qrImage(gtin, row.serial).then((url) => cell.append(element("img", { src: url, alt: t("brand.serials.qrAlt", { serial: row.serial }) })))
    .catch(showError);
  return element("tr", { "data-serial": row.serial },
    element("td", { class: "serial", "data-label": t("brand.serials.serial") }, row.serial),
    element("td", { "data-label": t("brand.serials.claimed") }, row.claimed_at ? formatDate(row.claimed_at) : t("brand.serials.unclaimed")),
    cell,
    element("td", { class: "actions" }, qrDownload(gtin, row.serial, "png"), " ", qrDownload(gtin, row.serial, "svg"), " ", history));
}

async function loadSerials(more = false) {
  const gtin = selected.gtin;
  const body = $("serials").querySelector("tbody");
  if (!more) {
    body.replaceChildren();
    hide($("serials"));
    hide($("serials-empty"));
    hide($("serials-more"));
    show($("serials-loading"));
  }
  try {
    const after = more && nextAfter ? `&after=${enc(nextAfter)}` : "";
    const page = await api.get(`/v1/products/${enc(gtin)}/serials?limit=20${after}`);
    if (selected?.gtin !== gtin) return; // another product was opened meanwhile
    const rows = page.serials.map((row) => serialRow(gtin, row));
    if (more) body.append(...rows); else body.replaceChildren(...rows);
    nextAfter = page.next_after;
    $("serials-more").hidden = nextAfter === null;
    $("serials").hidden = body.children.length === 0;
    $("serials-empty").hidden = body.children.length !== 0;
  } catch (error) {
    showError(error);
  } finally {
    if (selected?.gtin === gtin) hide($("serials-loading"));
  }
}

async function loadHistory(gtin, serial) {
  $("history-title").textContent = t("brand.history.of", { serial });
  const list = $("history");
  list.replaceChildren(element("li", { class: "loading" }, t("common.loading")));
  try {
    const events = await api.get(`/v1/products/${enc(gtin)}/${enc(serial)}/history`);
    $("history-none").textContent = t("brand.history.empty");
    $("history-none").hidden = events.length !== 0;
    list.replaceChildren(...events.map((event) => {
      const anchored = event.anchor_status === "anchored";
      const mark = anchored
        ? element("span", { class: "badge anchored" }, t("brand.history.anchored", { block: number(event.anchored_block) }))
        : element("span", { class: "pending" }, t(event.anchor_status === "pending" ? "brand.history.pending" : "brand.history.sent", { status: event.anchor_status }));
      return element("li", { "data-anchor": event.anchor_status },
        element("h4", {}, event.biz_step, event.disposition ? ` · ${event.disposition}` : ""),
        element("p", { class: "meta" }, formatDate(event.event_time), " · ", event.read_point),
        mark);
    }));
    $("history-title").scrollIntoView({ block: "start" });
  } catch (error) {
    list.replaceChildren();
    showError(error);
  }
}

async function loadScans(gtin) {
  const container = $("scans-chart");
  for (const id of ["scans-empty", "scans-total", "clones-empty", "claims-total"]) hide($(id));
  for (const id of ["clones", "claims"]) $(id).replaceChildren();
  container.replaceChildren();
  show($("scans-loading"));
  try {
    const data = await api.get(`/v1/products/${enc(gtin)}/scans?days=30`);
    if (selected?.gtin !== gtin) return; // another product was opened meanwhile
    const scans = data.days.reduce((sum, d) => sum + d.scans, 0);
    const previews = data.days.reduce((sum, d) => sum + d.previews, 0);
    const total = scans + previews;
    $("scans-empty").hidden = total !== 0;
    $("scans-total").textContent = t("brand.scans.total", {
      scans: plural("brand.scans.count", scans), previews: plural("brand.scans.previewCount", previews) });
    $("scans-total").hidden = total === 0;
    if (total === 0) container.replaceChildren();
    else {
      lineChart(container, {
        x: data.days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000),
        series: [{ label: t("brand.scans.people"), values: data.days.map((d) => d.scans), fill: true },
          { label: t("brand.scans.previews"), values: data.days.map((d) => d.previews) }],
        yFormat: (v, format) => format.format(v),
      });
    }
    $("clones-empty").hidden = data.clone_signals.length !== 0;
    $("clones").replaceChildren(...data.clone_signals.map((signal) => element("li", { "data-serial": signal.serial },
      element("strong", {}, signal.serial), " — ",
      signal.registered
        ? t("brand.clones.registered", { scans: plural("brand.clones.scans", signal.scans),
          clients: plural("brand.clones.devices", signal.distinct_clients) })
        : t("brand.clones.unregistered", { scans: plural("brand.clones.scans", signal.scans) }),
      signal.far_apart ? ` · ${t("brand.clones.farApart", { route: signal.far_apart })}` : "")));
    $("claims-total").textContent = data.claimed_total === 0 ? t("brand.claims.none")
      : plural("brand.claims.total", data.claimed_total);
    show($("claims-total"));
    $("claims").replaceChildren(...data.claims.map((claim) => element("li", { "data-serial": claim.serial },
      claim.serial, " — ", formatDate(claim.claimed_at))));
  } catch (error) {
    showError(error);
  } finally {
    if (selected?.gtin === gtin) hide($("scans-loading"));
  }
}

function showRecall(product) {
  $("detail-recall").replaceChildren(t("brand.recall.state"), " ", recallBadge(product.recall));
  $("recall-start").hidden = product.recall !== "none";
  hide($("recall-confirm"));
}

async function openProduct(product) {
  selected = product;
  nextAfter = null;
  $("detail-title").textContent = product.name;
  showRecall(product);
  $("history").replaceChildren();
  $("history-title").textContent = t("brand.history.title");
  $("history-none").textContent = t("brand.history.choose");
  show($("history-none"));
  $("sheet-batch").replaceChildren(...product.batches.filter((b) => b.first_serial !== null).map((batch) =>
    element("option", { value: batch.batch_id },
      t("brand.products.range", { first: batch.first_serial, last: batch.last_serial, count: number(batch.serial_count) }))));
  show($("detail"));
  await Promise.all([loadSerials(), loadScans(product.gtin)]);
  $("detail").scrollIntoView({ block: "start" });
}

async function makeSheet(event) {
  event.preventDefault();
  const count = Math.min(200, Math.max(1, Number.parseInt($("sheet-count").value, 10) || 24));
  const batch = $("sheet-batch").value;
  const gtin = selected.gtin;
  try {
    const page = await api.get(`/v1/products/${enc(gtin)}/serials?limit=${count}${batch ? `&batch=${enc(batch)}` : ""}`);
    const cells = await Promise.all(page.serials.map(async (row) => element("li", { "data-serial": row.serial },
      element("img", { src: await qrImage(gtin, row.serial, "svg"), alt: t("brand.serials.qrAlt", { serial: row.serial }) }),
      element("p", { class: "label" }, `${selected.name} · ${row.serial}`))));
    $("sheet-title").textContent = t("brand.sheet.heading", { name: selected.name, gtin, count: number(cells.length) });
    $("sheet-grid").replaceChildren(...cells);
    show($("sheet"));
    $("sheet").scrollIntoView({ block: "start" });
  } catch (error) {
    showError(error);
  }
}

function wireRecall() {
  $("recall-start").addEventListener("click", () => {
    $("recall-question").textContent = t("brand.recall.question", { name: selected.name, gtin: selected.gtin });
    show($("recall-confirm"));
    hide($("recall-start"));
    $("recall-no").focus();
  });
  $("recall-no").addEventListener("click", () => showRecall(selected));
  $("recall-yes").addEventListener("click", async () => {
    const button = $("recall-yes");
    button.disabled = true;
    try {
      const result = await api.post(`/v1/products/${enc(selected.gtin)}/recall`);
      selected = { ...selected, recall: result.recall };
      showRecall(selected);
      showNotice(t("brand.recall.done", { name: selected.name }));
      await loadProducts();
    } catch (error) {
      showError(error);
      // Recalled meanwhile (another page, another person): show the state the API names.
      if (error.code === "already_recalled") {
        selected = { ...selected, recall: error.details?.[0] ?? "requested" };
        showRecall(selected);
        await loadProducts();
      }
    } finally {
      button.disabled = false;
    }
  });
}

// The products again (a recall or a batch may have reached the ledger), and the open product's state.
async function refresh() {
  const button = $("refresh");
  button.disabled = true;
  try {
    const products = await loadProducts();
    const open = selected && products.find((product) => product.gtin === selected.gtin);
    if (open) {
      selected = open;
      showRecall(open);
      await loadScans(open.gtin);
    }
  } finally {
    button.disabled = false;
  }
}

wireSignIn(api, "brand", async () => {
  show($("console"));
  await loadProducts();
});
wireRecall();
$("refresh").addEventListener("click", refresh);
$("serials-more").addEventListener("click", () => loadSerials(true));
$("products-more").addEventListener("click", () => loadProducts(true));
$("sheet-form").addEventListener("submit", makeSheet);
$("sheet-print").addEventListener("click", () => window.print());
$("sheet-close").addEventListener("click", () => hide($("sheet")));
