import { X509Certificate } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { PushKind } from "../../core/push-records.js";
import type { RestContext } from "./rest-context.js";
import { emptyBodyAsObject, idParamsSchema } from "./schemas.js";
import {
  pushNowSchema,
  pushResultSchema,
  pushTargetInputSchema,
  pushTargetListSchema,
  pushTargetSchema,
  rejectedListSchema,
} from "./push-schemas.js";

interface ById { Params: { applicationId: string } }
interface PushTargetBody {
  endpointUrl: string;
  userName?: string;
  password?: string;
  /** Base64 DER, with userPrivateKey (PEM): an X.509 user instead of userName/password. */
  userCertificate?: string;
  userPrivateKey?: string;
  certificateGroupId?: string;
  trustedCertificates?: string[];
}
type PushNowBody = { kind?: PushKind } | undefined;

/**
 * Push management over REST: the same PushService calls as the OPC UA methods
 * (src/opcua/push-methods.ts) and the CLI make, so rights (SecurityAdmin; Operator may read
 * status), validation, sealing of the secret and audit are the engine's, not repeated here.
 */
export function pushRoutes(app: FastifyInstance, context: RestContext): void {
  const { push } = context.services;
  const params = idParamsSchema("applicationId");
  const idOf = (request: { params: { applicationId: string } }) =>
    request.params.applicationId.toLowerCase();

  app.get("/push-targets", {
    schema: { response: { 200: pushTargetListSchema } },
  }, async (request) => push.status(await context.caller(request)));

  // Registered before the parameterised route so "push" is never read as an applicationId.
  app.post<{ Body: PushNowBody }>("/push-targets/push", {
    schema: { body: pushNowSchema, response: { 202: pushResultSchema } },
    preValidation: emptyBodyAsObject,
  }, async (request, reply) => {
    const caller = await context.caller(request);
    const batch = await push.pushNow(caller, "all", request.body?.kind ?? "certificate");
    // The batch goes on after the answer; its outcomes land in each target's status.
    batch.completion.catch((error: unknown) =>
      context.services.log.error({ err: error }, "push batch failed"));
    return reply.status(202).send(
      { applicationIds: batch.applicationIds, startedAt: batch.startedAt });
  });

  app.get<ById>("/push-targets/:applicationId", {
    schema: { params, response: { 200: pushTargetSchema } },
  }, async (request) => {
    const [status] = await push.status(await context.caller(request), idOf(request));
    return status;
  });

  app.put<ById & { Body: PushTargetBody }>("/push-targets/:applicationId", {
    schema: { params, body: pushTargetInputSchema, response: { 200: pushTargetSchema } },
  }, async (request) => {
    const caller = await context.caller(request);
    const { trustedCertificates, userCertificate, userPrivateKey, ...input } = request.body;
    return push.enable(caller, {
      ...input,
      userCertificate: userCertificate === undefined
        ? undefined : Buffer.from(userCertificate, "base64"),
      userPrivateKey: userPrivateKey === undefined
        ? undefined : Buffer.from(userPrivateKey, "utf8"),
      applicationId: idOf(request),
      extraTrustedCertificates: (trustedCertificates ?? []).map((der) =>
        Buffer.from(der, "base64")),
    });
  });

  app.delete<ById>("/push-targets/:applicationId", {
    schema: { params },
  }, async (request, reply) => {
    await push.disable(await context.caller(request), idOf(request));
    return reply.status(204).send();
  });

  app.post<ById & { Body: PushNowBody }>("/push-targets/:applicationId/push", {
    schema: { params, body: pushNowSchema, response: { 200: pushResultSchema } },
    preValidation: emptyBodyAsObject,
  }, async (request) => {
    const caller = await context.caller(request);
    const batch = await push.pushNow(caller, [idOf(request)], request.body?.kind ?? "certificate");
    // One target: the caller waits for its attempt, as PushNow does over OPC UA.
    const attempts = await batch.completion;
    return { applicationIds: batch.applicationIds, startedAt: batch.startedAt, attempts };
  });

  app.get<ById>("/push-targets/:applicationId/rejected", {
    schema: { params, response: { 200: rejectedListSchema } },
  }, async (request) => {
    const certificates = await push.rejectedList(await context.caller(request), idOf(request));
    return certificates.map(rejectedView);
  });
}

/**
 * A refused certificate as the target holds it, with what an operator needs to judge it; the
 * thumbprint is SHA-1, as OPC UA names certificates in its PKI folders.
 */
function rejectedView(der: Buffer) {
  const view = { der: der.toString("base64") };
  try {
    const certificate = new X509Certificate(der);
    return { ...view, subject: certificate.subject, notAfter: certificate.validTo,
      thumbprint: certificate.fingerprint.replace(/:/g, "").toLowerCase() };
  } catch {
    // A target may hold garbage in its rejected folder; it is shown as it is.
    return view;
  }
}
