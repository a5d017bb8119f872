import { errorCodes } from "../../core/errors.js";
import * as push from "./push-schemas.js";
import * as schemas from "./schemas.js";

interface Operation {
  method: "get" | "post" | "put" | "delete";
  path: string;
  summary: string;
  body?: object;
  query?: { properties: Record<string, object>; required?: readonly string[] };
  ok: { status: number; schema?: object; type?: string };
  /** Only POST /tokens and the document itself are reachable without credentials. */
  open?: boolean;
}

const json = "application/json";
const app = "{applicationId}";
const serial = "{serialNumber}";

const operations: Operation[] = [
  { method: "post", path: "/tokens", summary: "Sign in: a bearer token for 15 minutes",
    body: schemas.tokenRequestSchema, ok: { status: 201, schema: schemas.tokenSchema },
    open: true },
  { method: "get", path: "/applications", summary: "QueryApplications",
    query: schemas.applicationQuerySchema, ok: { status: 200 } },
  { method: "post", path: "/applications", summary: "RegisterApplication (DiscoveryAdmin)",
    body: schemas.applicationInputSchema, ok: { status: 201 } },
  { method: "get", path: `/applications/${app}`, summary: "GetApplication",
    ok: { status: 200, schema: schemas.applicationSchema } },
  { method: "put", path: `/applications/${app}`, summary: "UpdateApplication",
    body: schemas.applicationInputSchema, ok: { status: 204 } },
  { method: "delete", path: `/applications/${app}`,
    summary: "UnregisterApplication; revokes its certificates", ok: { status: 204 } },
  { method: "post", path: `/applications/${app}/est-credentials`,
    summary: "A one-time EST enrolment credential (CertificateAuthorityAdmin, "
      + "RegistrationAuthorityAdmin)",
    body: schemas.credentialRequestSchema, ok: { status: 201, schema: schemas.credentialSchema } },
  { method: "get", path: "/requests", summary: "Certificate requests, by state",
    query: schemas.requestListQuerySchema, ok: { status: 200 } },
  { method: "post", path: "/requests/{requestId}/approve", summary: "Approve a held request",
    ok: { status: 200, schema: schemas.certificateSchema } },
  { method: "post", path: "/requests/{requestId}/reject", summary: "Reject a held request",
    body: schemas.rejectSchema, ok: { status: 204 } },
  { method: "get", path: "/certificates", summary: "Certificates issued to an application",
    query: schemas.certificateListQuerySchema, ok: { status: 200 } },
  { method: "get", path: `/certificates/${serial}`, summary: "One certificate's record",
    ok: { status: 200, schema: schemas.certificateSchema } },
  { method: "get", path: `/certificates/${serial}/der`, summary: "The certificate, DER",
    ok: { status: 200, type: "application/pkix-cert" } },
  { method: "get", path: `/certificates/${serial}/pem`, summary: "The certificate, PEM",
    ok: { status: 200, type: "application/x-pem-file" } },
  { method: "post", path: `/certificates/${serial}/revoke`,
    summary: "Revoke with an RFC 5280 reason (CertificateAuthorityAdmin)",
    body: schemas.revokeSchema, ok: { status: 204 } },
  { method: "get", path: "/crl", summary: "The current CRL, DER",
    ok: { status: 200, type: "application/pkix-crl" } },
  { method: "get", path: "/push-targets", summary: "GetPushStatus of every target "
      + "(SecurityAdmin, Operator)", ok: { status: 200, schema: push.pushTargetListSchema } },
  { method: "post", path: "/push-targets/push",
    summary: "PushNow to every target; starts them and answers at once (SecurityAdmin)",
    body: push.pushNowSchema, ok: { status: 202, schema: push.pushResultSchema } },
  { method: "get", path: `/push-targets/${app}`,
    summary: "One target's status and recent attempts (SecurityAdmin, Operator)",
    ok: { status: 200, schema: push.pushTargetSchema } },
  { method: "put", path: `/push-targets/${app}`,
    summary: "EnablePushTarget(WithCertificate); certificates are base64 DER (SecurityAdmin)",
    body: push.pushTargetInputSchema, ok: { status: 200, schema: push.pushTargetSchema } },
  { method: "delete", path: `/push-targets/${app}`, summary: "DisablePushTarget (SecurityAdmin)",
    ok: { status: 204 } },
  { method: "post", path: `/push-targets/${app}/push`,
    summary: "PushNow to one target; waits for the attempt (SecurityAdmin)",
    body: push.pushNowSchema, ok: { status: 200, schema: push.pushResultSchema } },
  { method: "get", path: `/push-targets/${app}/rejected`,
    summary: "GetRejectedList, read from the target (SecurityAdmin)",
    ok: { status: 200, schema: push.rejectedListSchema } },
];

/** The OpenAPI 3 document of /api/v1, built from the schemas the routes validate with. */
export function openApiDocument(): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const operation of operations) {
    paths[operation.path] ??= {};
    paths[operation.path]![operation.method] = describe(operation);
  }
  return {
    openapi: "3.0.3",
    info: {
      title: "Security Handler REST API",
      version: "1",
      description: "The GDS operations of OPC UA Part 12 over HTTPS. Errors are JSON "
        + `{ code, message }; code is one of: ${errorCodes.join(", ")}.`,
    },
    servers: [{ url: "/api/v1" }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer" },
        clientCertificate: { type: "mutualTLS" },
      },
      schemas: { Error: schemas.errorSchema },
    },
    paths,
  };
}

function describe(operation: Operation): object {
  const parameters = [
    ...[...operation.path.matchAll(/\{(\w+)\}/g)].map((match) =>
      ({ name: match[1], in: "path", required: true, schema: { type: "string" } })),
    ...Object.entries(operation.query?.properties ?? {}).map(([name, schema]) =>
      ({ name, in: "query", required: operation.query?.required?.includes(name) ?? false,
        schema })),
  ];
  const ok = operation.ok.type
    ? { content: { [operation.ok.type]: { schema: { type: "string", format: "binary" } } } }
    : operation.ok.schema ? { content: { [json]: { schema: operation.ok.schema } } } : {};
  const error = { description: "error", content: { [json]: {
    schema: { $ref: "#/components/schemas/Error" } } } };
  return {
    summary: operation.summary,
    security: operation.open ? [] : [{ bearer: [] }, { clientCertificate: [] }],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(operation.body
      ? { requestBody: { required: true, content: { [json]: { schema: operation.body } } } }
      : {}),
    responses: {
      [operation.ok.status]: { description: "success", ...ok },
      "4XX": error,
      "5XX": error,
    },
  };
}
