import type { FastifyInstance } from "fastify";
import type { ApplicationRecordInput } from "../../gds/application-record-check.js";
import type { QueryApplicationsInput } from "../../gds/application-query.js";
import type { RestContext } from "./rest-context.js";
import {
  applicationInputSchema,
  applicationQuerySchema,
  applicationSchema,
  credentialRequestSchema,
  credentialSchema,
  emptyBodyAsObject,
  idParamsSchema,
} from "./schemas.js";

type Input = Partial<ApplicationRecordInput> & Pick<ApplicationRecordInput,
  "applicationUri" | "applicationType" | "applicationNames" | "productUri">;
interface ById { Params: { applicationId: string } }

/** The Part 12 Directory over REST: the same ApplicationDirectory calls as OPC UA makes. */
export function applicationRoutes(app: FastifyInstance, context: RestContext): void {
  const { directory, credentials } = context.services;
  const params = idParamsSchema("applicationId");

  app.get<{ Querystring: Partial<QueryApplicationsInput> }>("/applications", {
    schema: { querystring: applicationQuerySchema },
  }, async (request) => {
    await context.caller(request);
    const page = await directory.queries().queryApplications({
      ...request.query,
      startingRecordId: request.query.startingRecordId ?? 0,
      maxRecordsToReturn: request.query.maxRecordsToReturn ?? 0,
    });
    return { ...page, lastCounterResetTime: page.lastCounterResetTime.toISOString() };
  });

  app.get<ById>("/applications/:applicationId", {
    schema: { params, response: { 200: applicationSchema } },
  }, async (request) => {
    await context.caller(request);
    return directory.get(request.params.applicationId);
  });

  app.post<{ Body: Input }>("/applications", {
    schema: { body: applicationInputSchema },
  }, async (request, reply) => {
    const caller = await context.caller(request);
    const applicationId = await directory.register(caller, completed(request.body));
    return reply.status(201).send({ applicationId });
  });

  app.put<ById & { Body: Input }>("/applications/:applicationId", {
    schema: { params, body: applicationInputSchema },
  }, async (request, reply) => {
    const caller = await context.caller(request);
    await directory.update(caller, request.params.applicationId, completed(request.body));
    return reply.status(204).send();
  });

  app.delete<ById>("/applications/:applicationId", {
    schema: { params },
  }, async (request, reply) => {
    const caller = await context.caller(request);
    await directory.unregister(caller, request.params.applicationId);
    return reply.status(204).send();
  });

  app.post<ById & { Body: { validHours?: number } | undefined }>(
    "/applications/:applicationId/est-credentials", {
      schema: { params, body: credentialRequestSchema, response: { 201: credentialSchema } },
      preValidation: emptyBodyAsObject,
    }, async (request, reply) => {
      const caller = await context.caller(request);
      const issued = await credentials.create(
        caller, request.params.applicationId, request.body?.validHours);
      return reply.status(201).header("Cache-Control", "no-store").send(issued);
    });
}

function completed(input: Input): ApplicationRecordInput {
  return {
    applicationUri: input.applicationUri,
    applicationType: input.applicationType,
    applicationNames: input.applicationNames.map((name) =>
      ({ locale: name.locale ?? "", text: name.text })),
    productUri: input.productUri,
    discoveryUrls: input.discoveryUrls ?? [],
    serverCapabilities: input.serverCapabilities ?? [],
  };
}
