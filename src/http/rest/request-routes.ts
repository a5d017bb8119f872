import type { FastifyInstance } from "fastify";
import type { RequestState } from "../../core/records.js";
import { certificateView } from "./certificate-routes.js";
import type { RestContext } from "./rest-context.js";
import {
  certificateSchema,
  emptyBodyAsObject,
  idParamsSchema,
  rejectSchema,
  requestListQuerySchema,
} from "./schemas.js";

interface ById { Params: { requestId: string } }

/** Certificate requests held for approval: the same CertificateRequests calls as the CLI. */
export function requestRoutes(app: FastifyInstance, context: RestContext): void {
  const { requests } = context.services;
  const params = idParamsSchema("requestId");

  app.get<{ Querystring: { state?: RequestState } }>("/requests", {
    schema: { querystring: requestListQuerySchema },
  }, async (request) => {
    const caller = await context.caller(request);
    return requests.list(caller, request.query.state);
  });

  app.post<ById>("/requests/:requestId/approve", {
    schema: { params, response: { 200: certificateSchema } },
  }, async (request) => {
    const caller = await context.caller(request);
    return certificateView(await requests.approve(caller, request.params.requestId));
  });

  app.post<ById & { Body: { reason?: string } | undefined }>("/requests/:requestId/reject", {
    schema: { params, body: rejectSchema },
    preValidation: emptyBodyAsObject,
  }, async (request, reply) => {
    const caller = await context.caller(request);
    await requests.reject(caller, request.params.requestId, request.body?.reason ?? "");
    return reply.status(204).send();
  });
}
