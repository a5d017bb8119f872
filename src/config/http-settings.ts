/** The HTTP front-end: CRL distribution, OCSP, and the HTTPS listener; see README "HTTP". */
export interface HttpSettings {
  /** Interface to listen on; the OPC UA `host` when absent. */
  host: string | undefined;
  /** Plain HTTP: CRL, OCSP, CA certificate. */
  port: number;
  /** HTTPS with a certificate from our CA; client certificates requested, optional. */
  httpsPort: number;
  /**
   * Base URL put in issued certificates (CRL distribution point, OCSP, caIssuers). When absent:
   * http://<hostname>:<port> of the plain listener, so certificates carry them by default.
   */
  publicUrl: string | undefined;
  /**
   * "sign": a request with a nonce gets a freshly signed answer echoing it, as long as few such
   * signatures are under way; "ignore": RFC 5019 behaviour, every answer comes from the cache.
   */
  ocspNonce: "sign" | "ignore";
}

export const httpKeys = ["host", "port", "httpsPort", "publicUrl", "ocspNonce"];

/** Command-line flags of the HTTP settings, for error messages. */
export const httpFlags: Record<string, string> = {
  "http.host": "--http-host", "http.port": "--http-port", "http.httpsPort": "--https-port",
  "http.publicUrl": "--public-url", "http.ocspNonce": "--ocsp-nonce",
};

type Fail = (setting: string, problem: string) => Error;

/** Reads the `http` block of config.json, overridden by the flags named in httpFlags. */
export function httpSettings(
  file: Record<string, unknown>,
  flags: Record<string, unknown>,
  fail: Fail,
): HttpSettings {
  const pick = (flag: string, key: string) => (flags[flag] !== undefined ? flags[flag] : file[key]);
  const host = pick("httpHost", "host");
  if (host !== undefined && (typeof host !== "string" || host === "")) {
    throw fail("http.host", "must be a non-empty string");
  }
  return {
    host: host as string | undefined,
    port: port(pick("httpPort", "port") ?? 58880, "http.port", fail),
    httpsPort: port(pick("httpsPort", "httpsPort") ?? 58843, "http.httpsPort", fail),
    publicUrl: publicUrl(pick("publicUrl", "publicUrl"), fail),
    ocspNonce: nonce(pick("ocspNonce", "ocspNonce") ?? "sign", fail),
  };
}

function port(value: unknown, setting: string, fail: Fail): number {
  const number = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number === "number" && Number.isInteger(number) && number >= 0 && number <= 65535) {
    return number;
  }
  throw fail(setting, "must be an integer from 0 to 65535");
}

/** An http(s) URL without query or fragment; a trailing slash is dropped. */
function publicUrl(value: unknown, fail: Fail): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = typeof value === "string" ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.search
    || url.hash || url.username || url.password) {
    throw fail("http.publicUrl", "must be an http:// or https:// URL without query or fragment");
  }
  return url.href.replace(/\/+$/, "");
}

function nonce(value: unknown, fail: Fail): HttpSettings["ocspNonce"] {
  if (value === "sign" || value === "ignore") return value;
  throw fail("http.ocspNonce", "must be one of sign, ignore");
}
