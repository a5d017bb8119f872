import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Logger } from "../log/logger.js";

/**
 * A request answered on node's own HTTP objects, ahead of fastify: for a hot path whose answer
 * costs less than fastify's per-request work (routing, hooks, reply object, content-type
 * parser). The OCSP POST is one: a cached answer is a map lookup, and a responder must take
 * thousands of them a second. A direct route takes only the requests it can answer plainly, a
 * whole body of its media type within its limit; anything else (wrong type, no or too large a
 * Content-Length) goes on to the fastify route of the same path, which gives the HTTP error.
 */
export interface DirectRoute {
  /** Exact request paths, without query, answered for POST only. */
  paths: string[];
  /** Media type of the body, without parameters, lower case. */
  contentType: string;
  bodyLimit: number;
  /**
   * Failures of its own protocol are answers; a throw or rejection is answered 500. An answer
   * at hand is returned as it is: a promise per request is a cost on the hot path.
   */
  answer(body: Buffer): DirectAnswer | Promise<DirectAnswer>;
}

export interface DirectAnswer {
  contentType: string;
  body: Buffer;
}

/** One access line per request, the same for direct routes as for fastify's. */
export interface AccessLine {
  method: string;
  url: string;
  statusCode: number;
  responseTimeMs: number;
  remoteAddress: string | undefined;
  err?: Error;
}

/** Long URLs (OCSP GET carries the request in the path) are cut in the access log. */
const loggedUrlLength = 160;

export function logAccess(log: Logger, line: AccessLine): void {
  const level = line.statusCode >= 500 ? "error" : line.statusCode >= 400 ? "warn" : "info";
  if (!log.isLevelEnabled(level)) return;
  log[level]({ ...line, url: line.url.slice(0, loggedUrlLength),
    responseTimeMs: Math.round(line.responseTimeMs * 10) / 10 }, "request completed");
}

/** A request listener that serves `routes` itself and hands every other request to `next`. */
export function withDirectRoutes(routes: DirectRoute[], log: Logger,
  next: RequestListener): RequestListener {
  if (routes.length === 0) return next;
  const byPath = new Map<string, DirectRoute>();
  for (const route of routes) for (const path of route.paths) byPath.set(path, route);

  return (request, response) => {
    const route = request.method === "POST" ? byPath.get(request.url ?? "") : undefined;
    if (!route || !takes(route, request)) return next(request, response);
    serve(route, request, response, log);
  };
}

function takes(route: DirectRoute, request: IncomingMessage): boolean {
  const type = request.headers["content-type"];
  if (type === undefined) return false;
  const semicolon = type.indexOf(";");
  const media = (semicolon < 0 ? type : type.slice(0, semicolon)).trim().toLowerCase();
  if (media !== route.contentType) return false;
  const length = Number(request.headers["content-length"]);
  return Number.isInteger(length) && length > 0 && length <= route.bodyLimit;
}

function serve(route: DirectRoute, request: IncomingMessage, response: ServerResponse,
  log: Logger): void {
  const started = performance.now();
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  // An aborted upload ends with an error on the request and a closed socket: nothing to answer.
  request.on("error", () => undefined);
  request.on("end", () => {
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    const respond = (answer: DirectAnswer) => {
      response.writeHead(200, { "Content-Type": answer.contentType,
        "Content-Length": answer.body.length });
      response.end(answer.body);
      // The line is built only when it is written: nothing per request when info is off.
      if (log.isLevelEnabled("info")) logAccess(log, accessLine(request, 200, started));
    };
    const fail = (error: unknown) => {
      response.writeHead(500, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ error: "internal error" }));
      logAccess(log, { ...accessLine(request, 500, started), err: error as Error });
    };
    try {
      const answer = route.answer(body);
      if ("then" in answer) answer.then(respond, fail);
      else respond(answer);
    } catch (error) {
      fail(error);
    }
  });
}

function accessLine(request: IncomingMessage, statusCode: number, started: number): AccessLine {
  return { method: "POST", url: request.url ?? "", statusCode,
    responseTimeMs: performance.now() - started, remoteAddress: request.socket.remoteAddress };
}
