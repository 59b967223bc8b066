// The campaign forms' pure parts: amounts typed in token units turned into base units, and
// the API's refusals turned into {field: [messages]} for the fields of the form.
//
// Field names are the request's: "name", "budget", "ends_at", "token", "amount", and the
// terms' fields prefixed with "terms." ("terms.pricing.cpm"), as /v1/campaigns names them
// (invalid_request details carry a `location`, invalid_terms details a terms `field`).

// "12.5" with 6 decimals -> "12500000"; null when it is not a plain non-negative decimal
// with at most `decimals` fraction digits.
export function parseAmount(text, decimals) {
  const match = /^(\d+)(?:[.,](\d*))?$/.exec(String(text).trim());
  if (!match) return null;
  const [, whole, fraction = ""] = match;
  if (fraction.length > decimals) return null;
  return (BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0")).toString();
}

// Refusals about one field although they carry no location.
const CODE_FIELDS = {
  end_time_in_past: "ends_at",
  unknown_token: "token",
  token_not_allowed: "token",
  terms_too_large: "terms",
  deposit_overflow: "amount",
  insufficient_token_balance: "amount",
};

// The field errors of an ApiError, or null when it names no field.
export function fieldErrors(error) {
  const errors = {};
  const add = (field, message) => { (errors[field] ??= []).push(message); };
  const details = Array.isArray(error?.details) ? error.details : [];
  if (error?.code === "invalid_terms") {
    for (const detail of details) add(detail.field ? `terms.${detail.field}` : "terms", detail.reason);
  } else if (error?.code === "invalid_request") {
    for (const detail of details) {
      const location = (detail.location ?? []).filter((part) => part !== "body");
      // A nested location (terms.pricing.cpm) names the field; a top-level field its first part.
      add(location.length ? location.map(String).join(".") : "form", detail.reason);
    }
  } else if (error?.code in CODE_FIELDS) {
    add(CODE_FIELDS[error.code], error.message);
  }
  return Object.keys(errors).length ? errors : null;
}
