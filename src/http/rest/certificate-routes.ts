import { X509Certificate } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { GdsError } from "../../core/errors.js";
import type { IssuedCertificateRecord } from "../../core/records.js";
import type { Caller } from "../../gds/caller.js";
import { requireCertificateReadRights } from "../../gds/rights.js";
import type { RestContext } from "./rest-context.js";
import {
  certificateListQuerySchema,
  certificateSchema,
  idParamsSchema,
  revokeSchema,
} from "./schemas.js";

interface BySerial { Params: { serialNumber: string } }

/**
 * Issued certificates: listed per application and fetched by serial number under the same
 * read rights as GetCertificates; revoked through CertificateDirectory.revokeBySerial.
 */
export function certificateRoutes(app: FastifyInstance, context: RestContext): void {
  const { certificates, certificateRecords, directory, crl } = context.services;
  const params = idParamsSchema("serialNumber");

  const readable = async (caller: Caller, serialNumber: string) => {
    const record = await certificateRecords.getBySerial(normalized(serialNumber));
    if (!record) throw new GdsError("NotFound", "no certificate with this serial number");
    requireCertificateReadRights(caller, record.applicationId);
    return record;
  };

  app.get<{ Querystring: { applicationId: string } }>("/certificates", {
    schema: { querystring: certificateListQuerySchema },
  }, async (request) => {
    const caller = await context.caller(request);
    const { applicationId } = request.query;
    requireCertificateReadRights(caller, applicationId);
    await directory.get(applicationId);
    return (await certificateRecords.listForApplication(applicationId)).map(certificateView);
  });

  app.get<BySerial>("/certificates/:serialNumber", {
    schema: { params, response: { 200: certificateSchema } },
  }, async (request) =>
    certificateView(await readable(await context.caller(request), request.params.serialNumber)));

  app.get<BySerial>("/certificates/:serialNumber/der", { schema: { params } },
    async (request, reply) => {
      const record = await readable(await context.caller(request), request.params.serialNumber);
      return reply.type("application/pkix-cert").send(Buffer.from(record.der, "base64"));
    });

  app.get<BySerial>("/certificates/:serialNumber/pem", { schema: { params } },
    async (request, reply) => {
      const record = await readable(await context.caller(request), request.params.serialNumber);
      const pem = new X509Certificate(Buffer.from(record.der, "base64")).toString();
      return reply.type("application/x-pem-file").send(pem);
    });

  app.post<BySerial & { Body: { reason: string } }>("/certificates/:serialNumber/revoke", {
    schema: { params, body: revokeSchema },
  }, async (request, reply) => {
    const caller = await context.caller(request);
    await certificates.revokeBySerial(caller, request.params.serialNumber, request.body.reason);
    return reply.status(204).send();
  });

  // The CRL is public, signed material; it is served here too so API clients need one base URL.
  app.get("/crl", async (_request, reply) =>
    reply.type("application/pkix-crl").send(crl()));
}

/** What the API shows of an issued certificate: the record without its DER. */
export function certificateView(record: IssuedCertificateRecord) {
  const { der: _der, authorityKeyId: _aki, policyId: _policy, revokedBy: _by, ...view } = record;
  return view;
}

function normalized(serialNumber: string): string {
  return serialNumber.trim().toLowerCase().replace(/:/g, "");
}
