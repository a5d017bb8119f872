import { createServer as createHttpServer, type RequestListener } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Server as TlsServer, TLSSocket } from "node:tls";
import {
  fastify,
  LogController,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyRequest,
} from "fastify";
import type { Logger } from "../log/logger.js";
import { logAccess, withDirectRoutes, type DirectRoute } from "./direct-routes.js";

/** Which listener a set of routes is served on. */
export type HttpListener = "http" | "https";

/**
 * Routes of one HTTP front-end (CRL and OCSP, EST, REST). A front-end exports a function that
 * takes the parts it needs and returns one of these; the composition root registers it.
 */
export interface HttpRoutes {
  name: string;
  plugin: FastifyPluginAsync;
  /** Plain HTTP serves public, signed material only (CRL, OCSP, CA certificate). */
  listeners: HttpListener[];
  prefix?: string;
  /** Hot paths served ahead of fastify; the plugin still routes the same paths. */
  direct?: DirectRoute[];
}

/** TLS material of the HTTPS listener, all PEM; the certificate is issued by our CA. */
export interface HttpsIdentity {
  certificateChainPem: string;
  privateKeyPem: string;
  /** CA certificates that client certificates are verified against. */
  caPem: string;
  /** CRLs checked for client certificates (PEM, label X509 CRL). */
  crlPem?: string;
}

export interface HttpServerOptions {
  /** Interface to listen on; undefined means all interfaces. */
  host: string | undefined;
  port: number;
  httpsPort: number;
  log: Logger;
  /** Largest request body accepted by any route, in bytes. */
  bodyLimit?: number;
  limits?: ConnectionLimits;
}

export interface ConnectionLimits {
  idleMs: number;
  requestMs: number;
  keepAliveMs: number;
  maxConnections: number;
}

const defaultBodyLimit = 64 * 1024;

/**
 * Bounds on what one client can hold: a socket idle this long is closed, a request must
 * arrive whole within requestMs, and beyond maxConnections new sockets are refused at once
 * (the process keeps file descriptors for OPC UA and the store).
 */
export const defaultConnectionLimits: ConnectionLimits = {
  idleMs: 15_000, requestMs: 10_000, keepAliveMs: 5_000, maxConnections: 4_096,
};

/**
 * The product's HTTP front-end: one plain listener and one HTTPS listener, each a fastify
 * instance logging through our pino logger with one access line per request. The HTTPS
 * listener asks for a client certificate but does not require one; routes that need one read it
 * with `verifiedClientCertificate` (verified against our CA and CRL by TLS).
 */
export class HttpServer {
  private readonly routes: HttpRoutes[] = [];
  private plain?: FastifyInstance;
  private secure?: FastifyInstance;

  constructor(private readonly options: HttpServerOptions) {}

  /** Adds routes; only before the listeners they are served on start. */
  register(routes: HttpRoutes): void {
    const started = routes.listeners.some((listener) =>
      (listener === "http" ? this.plain : this.secure) !== undefined);
    if (started) throw new Error("HTTP routes must be registered before their listener starts");
    this.routes.push(routes);
  }

  /**
   * Starts the plain listener. It comes up before the HTTPS one because the URL it is reached
   * by goes into certificates, the HTTPS listener's own included.
   */
  async startHttp(): Promise<string> {
    this.plain = this.instance("http");
    await listen(this.plain, this.options.host, this.options.port);
    return urlOf("http", this.plain);
  }

  async startHttps(identity: HttpsIdentity): Promise<string> {
    this.secure = this.instance("https", { ...tlsOptions(identity), requestCert: true,
      rejectUnauthorized: false });
    await listen(this.secure, this.options.host, this.options.httpsPort);
    return urlOf("https", this.secure);
  }

  /** New TLS material (a new CRL or certificate) for connections opened from now on. */
  updateHttpsIdentity(identity: HttpsIdentity): void {
    (this.secure?.server as TlsServer | undefined)?.setSecureContext(tlsOptions(identity));
  }

  async stop(): Promise<void> {
    const instances = [this.plain, this.secure];
    this.plain = undefined;
    this.secure = undefined;
    for (const instance of instances) await instance?.close();
  }

  private instance(listener: HttpListener, https?: object): FastifyInstance {
    const log = this.options.log.child({ listener });
    const limits = this.options.limits ?? defaultConnectionLimits;
    const direct = this.routes.filter((routes) => routes.listeners.includes(listener))
      .flatMap((routes) => routes.direct ?? []);
    const app = fastify({
      loggerInstance: log,
      // Our own access line replaces fastify's two lines per request.
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: this.options.bodyLimit ?? defaultBodyLimit,
      serverFactory: (handler: RequestListener) =>
        boundedServer(withDirectRoutes(direct, log, handler), limits, https),
      forceCloseConnections: true,
    }) as unknown as FastifyInstance;

    // Routes log through the component logger; a pino child per request would cost more than
    // a cached OCSP answer does.
    app.setChildLoggerFactory((logger) => logger);

    // The cause of a failure travels to the access line, so each request logs exactly once.
    // Callback hooks: an async hook costs a promise per request on the OCSP hot path.
    const failures = new WeakMap<FastifyRequest, Error>();
    app.addHook("onError", (request, _reply, error, done) => {
      failures.set(request, error);
      done();
    });
    app.addHook("onResponse", (request, reply, done) => {
      const failure = reply.statusCode >= 500 ? failures.get(request) : undefined;
      logAccess(log, {
        method: request.method,
        url: request.url,
        statusCode: reply.statusCode,
        responseTimeMs: reply.elapsedTime,
        remoteAddress: request.ip,
        ...(failure ? { err: failure } : {}),
      });
      done();
    });
    for (const routes of this.routes) {
      if (!routes.listeners.includes(listener)) continue;
      void app.register(routes.plugin, { prefix: routes.prefix });
    }
    return app;
  }
}

/**
 * The client certificate (DER) of an HTTPS request when TLS verified it against our CA, else
 * undefined: no certificate, one from another issuer, or a revoked one.
 */
export function verifiedClientCertificate(request: FastifyRequest): Buffer | undefined {
  const socket = request.raw.socket as Partial<TLSSocket>;
  if (!socket.encrypted || !socket.authorized || !socket.getPeerCertificate) return undefined;
  const peer = socket.getPeerCertificate();
  return peer && peer.raw ? peer.raw : undefined;
}

/**
 * No host means every interface: IPv6 and IPv4 through "::", or IPv4 alone on a machine without
 * IPv6 (fastify's own default would be localhost only).
 */
async function listen(app: FastifyInstance, host: string | undefined, port: number) {
  if (host !== undefined) {
    await app.listen({ host, port });
    return;
  }
  try {
    await app.listen({ host: "::", port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EAFNOSUPPORT" && code !== "EADDRNOTAVAIL") throw error;
    await app.listen({ host: "0.0.0.0", port });
  }
}

/**
 * Anyone may connect: a slow or idle client must not hold a socket for long, and a stop must not
 * wait for one (node leaves most of these unbounded by default).
 */
function boundedServer(listener: RequestListener, limits: ConnectionLimits, https?: object) {
  // A client trickling a byte within the idle limit is ended only by requestTimeout, which
  // node checks every connectionsCheckingInterval (30 s by default) and, as tried on Node 20,
  // not at all while headersTimeout (60 s by default) is the longer of the two.
  const timeouts = { connectionsCheckingInterval: Math.min(1000, limits.requestMs),
    requestTimeout: limits.requestMs, headersTimeout: limits.requestMs };
  const server = https ? createHttpsServer({ ...https, ...timeouts }, listener)
    : createHttpServer(timeouts, listener);
  server.setTimeout(limits.idleMs);
  server.keepAliveTimeout = limits.keepAliveMs;
  server.maxConnections = limits.maxConnections;
  return server;
}

function tlsOptions(identity: HttpsIdentity) {
  return {
    key: identity.privateKeyPem,
    cert: identity.certificateChainPem,
    ca: identity.caPem,
    crl: identity.crlPem,
  };
}

function urlOf(scheme: string, app: FastifyInstance): string {
  const address = app.server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `${scheme}://${host}:${address.port}`;
}
