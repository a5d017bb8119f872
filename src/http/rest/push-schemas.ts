/**
 * JSON schemas of the push target routes, kept apart from schemas.ts so the push part can grow
 * without crowding the Directory's. Fastify validates with them and the OpenAPI document shows
 * them. Response schemas list every field, so anything not listed (a credential, should one
 * ever reach a status object) is dropped by the serialiser rather than sent.
 */

/** Base64 of a DER certificate; 16 KiB of DER is far more than any real certificate. */
const base64Der = {
  type: "string", minLength: 4, maxLength: 22_000, pattern: "^[A-Za-z0-9+/]+={0,2}$",
} as const;

export const pushTargetInputSchema = {
  type: "object",
  additionalProperties: false,
  required: ["endpointUrl"],
  // Either a user name and password or an X.509 user (certificate and PEM key).
  oneOf: [
    { required: ["userName", "password"] },
    { required: ["userCertificate", "userPrivateKey"] },
  ],
  properties: {
    endpointUrl: { type: "string", minLength: 1, maxLength: 4096 },
    userName: { type: "string", minLength: 1, maxLength: 256 },
    password: { type: "string", minLength: 1, maxLength: 1024 },
    userCertificate: base64Der,
    userPrivateKey: { type: "string", minLength: 1, maxLength: 16_384 },
    certificateGroupId: { type: "string", minLength: 1, maxLength: 256 },
    trustedCertificates: { type: "array", maxItems: 32, items: base64Der },
  },
} as const;

export const pushNowSchema = {
  type: "object",
  additionalProperties: false,
  properties: { kind: { type: "string", enum: ["certificate", "trustList"] } },
} as const;

const stepSchema = {
  type: "object",
  properties: { name: { type: "string" }, statusCode: { type: "string" } },
} as const;

export const pushAttemptSchema = {
  type: "object",
  properties: {
    at: { type: "string" },
    kind: { type: "string" },
    outcome: { type: "string" },
    statusCode: { type: "string" },
    message: { type: "string" },
    steps: { type: "array", items: stepSchema },
    serialNumber: { type: "string" },
    crlNumber: { type: "string" },
  },
} as const;

export const pushTargetSchema = {
  type: "object",
  properties: {
    applicationId: { type: "string" },
    applicationUri: { type: "string" },
    endpointUrl: { type: "string" },
    userName: { type: "string" },
    credentialKind: { type: "string" },
    certificateGroupId: { type: "string" },
    serialNumber: { type: "string" },
    notAfter: { type: "string" },
    crlNumber: { type: "string" },
    failures: { type: "integer" },
    retryAt: { type: "string" },
    lastOutcome: { type: "string" },
    attempts: { type: "array", items: pushAttemptSchema },
  },
} as const;

export const pushTargetListSchema = { type: "array", items: pushTargetSchema } as const;

export const pushResultSchema = {
  type: "object",
  properties: {
    applicationIds: { type: "array", items: { type: "string" } },
    startedAt: { type: "string" },
    attempts: { type: "array", items: pushAttemptSchema },
  },
} as const;

export const rejectedListSchema = {
  type: "array",
  items: {
    type: "object",
    properties: {
      der: { type: "string" },
      subject: { type: "string" },
      thumbprint: { type: "string" },
      notAfter: { type: "string" },
    },
  },
} as const;

