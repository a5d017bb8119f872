import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { isGdsError } from "../../core/errors.js";
import { certsOnly } from "../../est/certs-only.js";
import { csrAttributes } from "../../est/csr-attributes.js";
import type { EnrolmentResult, EstEnrolment } from "../../est/est-enrolment.js";
import type { Logger } from "../../log/logger.js";
import { presentedClientCertificate } from "../rest/client-certificate.js";
import { AuthenticationRequired, httpErrorOf } from "../rest/http-status.js";
import { base64Lines, basicCredentials, decodeBase64Body } from "./est-body.js";

export interface EstServices {
  enrolment: EstEnrolment;
  /** The CA certificates a client should trust (Authority.issuerCertificates). */
  issuerCertificates(): Buffer[];
  /** Seconds a client is told to wait before retrying a request held for approval. */
  retryAfterSeconds?: number;
  log: Logger;
}

const certsOnlyType = "application/pkcs7-mime; smime-type=certs-only";
const requestBodyLimit = 64 * 1024;
const defaultRetryAfterSeconds = 60;

/**
 * EST (RFC 7030) under /.well-known/est on the HTTPS listener. An optional label names the
 * CertificateGroup (e.g. /.well-known/est/DefaultHttpsGroup/simpleenroll).
 */
export function estPlugin(services: EstServices): FastifyPluginAsync {
  const { enrolment, log } = services;
  const retryAfter = String(services.retryAfterSeconds ?? defaultRetryAfterSeconds);

  const answer = (reply: FastifyReply, result: EnrolmentResult) => {
    if (result.state === "pending") {
      return reply.status(202).header("Retry-After", retryAfter).type("text/plain")
        .send("the request is held for approval; retry later\n");
    }
    return base64Reply(reply, certsOnlyType, certsOnly([result.certificate]));
  };

  const enrol = async (request: FastifyRequest<{ Params: { label?: string } }>,
    reply: FastifyReply) => {
    const credentials = basicCredentials(request.headers.authorization);
    if (!credentials) throw new AuthenticationRequired("Basic");
    const csr = decodeBase64Body(request.body);
    try {
      return answer(reply, await enrolment.simpleEnroll(
        credentials.userName, credentials.password, csr, request.params.label));
    } catch (error) {
      // EST acts as the application itself, so a refusal can only be the credential's.
      if (isGdsError(error) && error.code === "UserAccessDenied") {
        throw new AuthenticationRequired("Basic", error.message);
      }
      throw error;
    }
  };

  return async (app: FastifyInstance) => {
    // Only PKCS#10 bodies: JSON, text or anything else is 415 before a handler runs.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("application/pkcs10", { parseAs: "string",
      bodyLimit: requestBodyLimit }, (_request, body, done) => done(null, body));
    app.setErrorHandler((error, _request, reply) => {
      const failure = httpErrorOf(error, log);
      if (failure.challenge) void reply.header("WWW-Authenticate", failure.challenge);
      return reply.status(failure.statusCode).type("text/plain")
        .send(`${failure.code}: ${failure.message}\n`);
    });

    app.get("/cacerts", async (_request, reply) =>
      base64Reply(reply, "application/pkcs7-mime", certsOnly(services.issuerCertificates())));

    app.get("/csrattrs", async (_request, reply) =>
      base64Reply(reply, "application/csrattrs", csrAttributes()));

    app.post("/simpleenroll", enrol);
    app.post("/:label/simpleenroll", {
      schema: { params: { type: "object", properties: {
        label: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } } } },
    }, enrol);

    app.post("/simplereenroll", async (request, reply) => {
      const csr = decodeBase64Body(request.body);
      const certificate = presentedClientCertificate(request);
      return answer(reply, await enrolment.simpleReenroll(certificate, csr));
    });
  };
}

/** The EST routes in the shape the HTTP server registers (see src/http/http-server.ts). */
export function estRoutes(services: EstServices) {
  return {
    name: "est",
    plugin: estPlugin(services),
    listeners: ["https" as const],
    prefix: "/.well-known/est",
  };
}

function base64Reply(reply: FastifyReply, type: string, der: Buffer) {
  return reply.type(type).header("Content-Transfer-Encoding", "base64").send(base64Lines(der));
}
