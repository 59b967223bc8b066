// Calls to the API from a page: JSON in and out, the CSRF token on every state-changing call,
// the session token (kept in this module's memory only, never in storage) as its header.
// A refusal is thrown as an ApiError carrying the API's message, never its raw JSON.

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";
}

// `sessionHeader` names the header the token goes in; with `bearer` it is sent as
// "Authorization: Bearer <token>" (a participant's API key or SIWE session).
export function createApi({ sessionHeader, bearer = false } = {}) {
  let session = null;

  async function request(method, path, body, extraHeaders = {}) {
    const headers = { Accept: "application/json", ...extraHeaders };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (UNSAFE.has(method)) headers["X-CSRF-Token"] = csrfToken();
    if (session && bearer) headers.Authorization = `Bearer ${session}`;
    else if (session && sessionHeader) headers[sessionHeader] = session;
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
    } catch (error) {
      throw new ApiError(0, "network", `the server could not be reached (${error.message})`);
    }
    const text = await response.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!response.ok) {
      const error = parsed?.error;
      if (error?.message) throw new ApiError(response.status, error.code, error.message, error.details);
      const detail = Array.isArray(parsed?.detail) ? parsed.detail.map((item) => item.msg).join("; ") : null;
      throw new ApiError(response.status, "http_error", detail || `${response.status} ${response.statusText}`);
    }
    return parsed;
  }

  // A binary resource (a QR image) with the same credential, as a Blob; refusals as ApiError.
  async function blob(path) {
    const headers = {};
    if (session && bearer) headers.Authorization = `Bearer ${session}`;
    else if (session && sessionHeader) headers[sessionHeader] = session;
    let response;
    try {
      response = await fetch(path, { headers, credentials: "same-origin" });
    } catch (error) {
      throw new ApiError(0, "network", `the server could not be reached (${error.message})`);
    }
    if (!response.ok) {
      const parsed = await response.json().catch(() => null);
      throw new ApiError(response.status, parsed?.error?.code ?? "http_error", parsed?.error?.message ?? `${response.status} ${response.statusText}`);
    }
    return response.blob();
  }

  return {
    get: (path) => request("GET", path),
    blob,
    post: (path, body, headers) => request("POST", path, body ?? {}, headers),
    put: (path, body) => request("PUT", path, body),
    delete: (path, body) => request("DELETE", path, body),
    setSession(token) { session = token; },
    get signedIn() { return session !== null; },
  };
}
