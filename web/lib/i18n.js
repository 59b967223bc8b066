// The page's messages and locale formatting. The server embeds the catalog of the chosen
// locale (backend/web/messages/<locale>.json) as JSON data in #page-data; amounts and dates
// are formatted here with Intl, in the viewer's own time zone.

let data = null;

export function pageData() {
  if (data === null) {
    const element = document.getElementById("page-data");
    data = element ? JSON.parse(element.textContent) : { locale: "en", messages: {} };
  }
  return data;
}

export function locale() {
  return pageData().locale;
}

// The locale numbers and dates are formatted in: the viewer's own variant of the page's
// language when the browser names one (en-GB, zh-TW date order...), else the page's.
let formatting = null;
export function formatLocale() {
  if (formatting === null) {
    const primary = locale().split("-")[0];
    formatting = (navigator.languages ?? []).find((tag) => tag.split("-")[0] === primary) ?? locale();
  }
  return formatting;
}

export function t(key, values = {}) {
  const text = pageData().messages[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

// A message that depends on a count: `${key}.${plural category}` of the page's language (e.g.
// "brand.claims.total.one") when the catalog has it, else `key` itself (the "other" form).
// `count` is passed to the message formatted as a number of the locale.
export function plural(key, count, values = {}) {
  const category = new Intl.PluralRules(locale()).select(count);
  const messages = pageData().messages;
  const chosen = `${key}.${category}` in messages ? `${key}.${category}` : key;
  return t(chosen, { count: new Intl.NumberFormat(formatLocale()).format(count), ...values });
}

// An amount in token base units (a decimal string, possibly beyond 2**53) as "5.00 tUSD".
export function formatAmount(baseUnits, decimals, symbol) {
  const units = BigInt(baseUnits);
  const scale = 10n ** BigInt(decimals);
  const negative = units < 0n;
  const whole = (negative ? -units : units) / scale;
  const fraction = (negative ? -units : units) % scale;
  const fractionDigits = fraction === 0n ? 2 : Math.max(2, String(fraction).padStart(decimals, "0").replace(/0+$/, "").length);
  const number = new Intl.NumberFormat(formatLocale(), { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits });
  // Intl formats a decimal string exactly (no float rounding) in current engines.
  const text = number.format(`${negative ? "-" : ""}${whole}.${String(fraction).padStart(decimals, "0")}`);
  return symbol ? `${text} ${symbol}` : text;
}

// A moment (unix seconds, or an ISO 8601 string) in the viewer's time zone.
export function formatDate(moment) {
  const date = typeof moment === "number" ? new Date(moment * 1000) : new Date(moment);
  return new Intl.DateTimeFormat(formatLocale(), { dateStyle: "medium", timeStyle: "short" }).format(date);
}

// A period in whole days (or hours below a day), in words of the locale.
export function formatDuration(seconds) {
  const value = Number(seconds);
  if (value === 0) return t("common.noPeriod");
  const [amount, unit] = value >= 86400 ? [value / 86400, "day"] : [value / 3600, "hour"];
  return new Intl.NumberFormat(formatLocale(), { style: "unit", unit, unitDisplay: "long", maximumFractionDigits: 1 }).format(amount);
}

// Format every server-rendered <data class="amount"> and <span class="duration"> on the page.
export function formatPage(root = document) {
  for (const element of root.querySelectorAll("data.amount")) {
    element.textContent = formatAmount(element.value, Number(element.dataset.decimals), element.dataset.symbol);
  }
  for (const element of root.querySelectorAll(".duration[data-seconds]")) {
    element.textContent = formatDuration(element.dataset.seconds);
  }
  for (const element of root.querySelectorAll("time[datetime]")) {
    element.textContent = formatDate(element.getAttribute("datetime"));
  }
}
