import { createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Clock } from "../core/clock.js";
import type { HttpRoutes } from "./http-server.js";

/** What CRL distribution needs of the CA. */
export interface PublishedCrl {
  crl(): Buffer;
  crlNumber(): bigint;
  crlThisUpdate(): Date;
  crlNextUpdate(): Date;
  certificate(): Buffer;
}

/** Paths named in issued certificates (cRLDistributionPoints, caIssuers): keep them stable. */
export const crlPath = "/crl/ca.crl";
export const caCertificatePath = "/ca/ca.crt";

/**
 * A cache may keep the CRL until nextUpdate at the latest, and an hour at most: a revocation
 * publishes a new CRL at once, and an hour bounds how long a proxy can hide it. Revalidation
 * costs a 304 thanks to the ETag (the CRL number).
 */
const maxAgeSeconds = 3600;

/**
 * The CA's current CRL (DER, RFC 5280 / RFC 2585 media type) and the CA certificate, over
 * plain HTTP: both are signed public material, and a client checking a certificate's TLS
 * server must not need TLS to reach them.
 */
export function crlDistributionRoutes(authority: PublishedCrl, clock: Clock): HttpRoutes {
  return {
    name: "crl-distribution",
    listeners: ["http", "https"],
    plugin: async (app) => {
      app.get(crlPath, async (request, reply) => serveCrl(authority, clock, request, reply));
      app.get(caCertificatePath, async (request, reply) => {
        const certificate = authority.certificate();
        const etag = `"ca-${createHash("sha256").update(certificate).digest("hex")}"`;
        reply.header("ETag", etag).header("Cache-Control", `public, max-age=${maxAgeSeconds}`);
        if (request.headers["if-none-match"] === etag) return reply.code(304).send();
        return reply.header("Content-Type", "application/pkix-cert").send(certificate);
      });
    },
  };
}

function serveCrl(
  authority: PublishedCrl,
  clock: Clock,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const crlNumber = authority.crlNumber();
  const thisUpdate = authority.crlThisUpdate();
  const nextUpdate = authority.crlNextUpdate();
  const etag = `"crl-${crlNumber.toString()}"`;
  const untilNextUpdate = Math.floor((nextUpdate.getTime() - clock.now().getTime()) / 1000);
  reply.header("ETag", etag)
    .header("Last-Modified", thisUpdate.toUTCString())
    .header("Expires", nextUpdate.toUTCString())
    .header("Cache-Control",
      `public, max-age=${Math.max(0, Math.min(untilNextUpdate, maxAgeSeconds))}, no-transform`);

  if (notModified(request, etag, thisUpdate)) return reply.code(304).send();
  return reply.header("Content-Type", "application/pkix-crl").send(authority.crl());
}

/** RFC 9110 13.1: If-None-Match wins; If-Modified-Since only counts without it. */
function notModified(request: FastifyRequest, etag: string, lastModified: Date): boolean {
  const ifNoneMatch = request.headers["if-none-match"];
  if (ifNoneMatch !== undefined) {
    return ifNoneMatch.split(",").some((tag) => {
      const trimmed = tag.trim();
      return trimmed === "*" || trimmed.replace(/^W\//, "") === etag;
    });
  }
  const ifModifiedSince = Date.parse(request.headers["if-modified-since"] ?? "");
  return !Number.isNaN(ifModifiedSince)
    && Math.floor(lastModified.getTime() / 1000) <= Math.floor(ifModifiedSince / 1000);
}
