import { request } from "node:https";

export interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface HttpsCall {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** PEM of the CA that issued the server's certificate. */
  ca: string;
  /** Client certificate and key (PEM) for mutual TLS. */
  cert?: string;
  key?: string;
}

/** One HTTPS request to a server of the test on 127.0.0.1, answered in full. */
export function httpsCall(url: string, call: HttpsCall): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, {
      method: call.method ?? "GET",
      headers: call.headers,
      ca: call.ca,
      cert: call.cert,
      key: call.key,
      agent: false,
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const body = Buffer.concat(chunks);
        const text = body.toString("utf8");
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body,
          text,
          json: <T>() => JSON.parse(text) as T,
        });
      });
      response.on("error", reject);
    });
    outgoing.on("error", reject);
    outgoing.end(call.body);
  });
}

/** A JSON call with an optional bearer token. */
export function jsonCall(url: string, ca: string, method: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  return httpsCall(url, { method, ca, headers,
    body: body === undefined ? undefined : JSON.stringify(body) });
}
