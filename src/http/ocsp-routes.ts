import { createHash } from "node:crypto";
import type { FastifyReply } from "fastify";
import type { Clock } from "../core/clock.js";
import type { OcspAnswer } from "../ocsp/ocsp-responder.js";
import { unsignedOcspResponse } from "../ocsp/ocsp-response.js";
import type { HttpRoutes } from "./http-server.js";

/** Named in issued certificates (authorityInfoAccess): keep it stable. */
export const ocspPath = "/ocsp";

/** What the routes need of the responder. */
export interface OcspAnswering {
  answerAtHand(requestDer: Buffer): Buffer | undefined;
  answer(requestDer: Buffer): Promise<OcspAnswer>;
}

/** An OCSP request for one certificate is about 80 bytes; a few CertIDs and a signature fit. */
export const maxOcspRequestBytes = 8 * 1024;
const requestType = "application/ocsp-request";
const responseType = "application/ocsp-response";

/**
 * OCSP over HTTP (RFC 6960 appendix A): POST with the DER request as body, or GET with its
 * base64 in the path. Errors of the OCSP kind (unreadable request, unknown issuer) are answered
 * with HTTP 200 and an OCSP error status; only HTTP's own errors (wrong media type, body too
 * large) get an HTTP error status.
 */
export function ocspRoutes(responder: OcspAnswering, clock: Clock): HttpRoutes {
  return {
    name: "ocsp",
    listeners: ["http", "https"],
    // The usual question, a well-formed POST, skips fastify; the routes below answer the rest.
    direct: [{
      paths: [ocspPath, `${ocspPath}/`], contentType: requestType,
      bodyLimit: maxOcspRequestBytes,
      answer: (body) => {
        const atHand = responder.answerAtHand(body);
        if (atHand) return { contentType: responseType, body: atHand };
        return responder.answer(body).then((answer) => ({ contentType: responseType,
          body: answer.der }));
      },
    }],
    plugin: async (app) => {
      app.addContentTypeParser(requestType, { parseAs: "buffer", bodyLimit: maxOcspRequestBytes },
        (_request, body, done) => done(null, body));

      const post = async (request: { headers: Record<string, unknown>; body: unknown },
        reply: FastifyReply) => {
        const type = String(request.headers["content-type"] ?? "").split(";")[0]!.trim();
        if (type.toLowerCase() !== requestType || !Buffer.isBuffer(request.body)) {
          return reply.code(415).header("Accept-Post", requestType)
            .send({ error: `Content-Type must be ${requestType}` });
        }
        const answer = await responder.answer(request.body);
        return reply.header("Content-Type", responseType).send(answer.der);
      };
      app.post(ocspPath, post);
      app.post(`${ocspPath}/`, post);

      app.get(`${ocspPath}/*`, async (request, reply) => {
        const der = decodeGetPath(request.url.slice(ocspPath.length + 1));
        reply.header("Content-Type", responseType);
        if (!der) return reply.send(unsignedOcspResponse("malformedRequest"));
        const answer = await responder.answer(der);
        if (answer.cacheable) cacheHeaders(reply, answer, clock.now().getTime());
        return reply.send(answer.der);
      });
    },
  };
}

/** The request of a GET: URL-encoded base64 (either alphabet); undefined when it is not. */
function decodeGetPath(path: string): Buffer | undefined {
  let text: string;
  try {
    text = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  // Some clients send base64url or drop the padding; both decode to the same DER.
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  if (base64.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return undefined;
  const padded = base64.replace(/=+$/, "");
  if (padded.length % 4 === 1) return undefined;
  const der = Buffer.from(padded, "base64");
  return der.length <= maxOcspRequestBytes ? der : undefined;
}

/** RFC 5019 6: a GET answer may be cached by HTTP caches until its nextUpdate. */
function cacheHeaders(reply: FastifyReply, answer: OcspAnswer, now: number): void {
  const { producedAt, nextUpdate } = answer.cacheable!;
  const maxAge = Math.max(0, Math.floor((nextUpdate.getTime() - now) / 1000));
  reply.header("Cache-Control", `public, max-age=${maxAge}, no-transform, must-revalidate`)
    .header("Last-Modified", producedAt.toUTCString())
    .header("Expires", nextUpdate.toUTCString())
    .header("ETag", `"${createHash("sha1").update(answer.der).digest("hex")}"`);
}
