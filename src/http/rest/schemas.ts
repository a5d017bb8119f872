import { revocationReasons } from "../../ca/crl-builder.js";
import { errorCodes } from "../../core/errors.js";

/**
 * JSON schemas of the REST API. Fastify validates requests with them, and the OpenAPI
 * document is built from the same objects, so the two cannot disagree.
 */
const text = (maxLength: number) => ({ type: "string", maxLength }) as const;

export const errorSchema = {
  type: "object",
  required: ["code", "message"],
  properties: {
    code: { type: "string", enum: [...errorCodes] },
    message: { type: "string" },
  },
} as const;

export const tokenRequestSchema = {
  type: "object",
  additionalProperties: false,
  required: ["userName", "password"],
  properties: { userName: text(128), password: text(1024) },
} as const;

export const tokenSchema = {
  type: "object",
  properties: {
    token: { type: "string" },
    tokenType: { type: "string", enum: ["Bearer"] },
    expiresAt: { type: "string", format: "date-time" },
  },
} as const;

const localizedName = {
  type: "object",
  additionalProperties: false,
  required: ["text"],
  properties: { locale: text(64), text: text(4096) },
} as const;

/** Part 12 ApplicationRecordDataType without its id, as a client sends it. */
export const applicationInputSchema = {
  type: "object",
  additionalProperties: false,
  required: ["applicationUri", "applicationType", "applicationNames", "productUri"],
  properties: {
    applicationUri: text(4096),
    applicationType: { type: "integer", enum: [0, 1, 2, 3] },
    applicationNames: { type: "array", maxItems: 64, items: localizedName },
    productUri: text(4096),
    discoveryUrls: { type: "array", maxItems: 64, items: text(4096) },
    serverCapabilities: { type: "array", maxItems: 64, items: text(64) },
  },
} as const;

export const applicationSchema = {
  type: "object",
  properties: {
    applicationId: { type: "string" },
    recordId: { type: "integer" },
    ...applicationInputSchema.properties,
    registeredAt: { type: "string" },
    updatedAt: { type: "string" },
  },
} as const;

export const applicationQuerySchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    applicationUri: text(4096),
    applicationName: text(4096),
    productUri: text(4096),
    applicationTypeMask: { type: "integer", minimum: 0, maximum: 3 },
    startingRecordId: { type: "integer", minimum: 0 },
    maxRecordsToReturn: { type: "integer", minimum: 0, maximum: 1000 },
  },
} as const;

/** Ids are GUIDs and hex serial numbers: short, and nothing a path could be abused with. */
const idSchema = {
  type: "string", minLength: 1, maxLength: 64, pattern: "^[0-9A-Za-z:-]+$",
} as const;

export const idParamsSchema = (name: string) => ({
  type: "object",
  required: [name],
  properties: { [name]: idSchema },
}) as const;

export const requestListQuerySchema = {
  type: "object",
  additionalProperties: false,
  properties: { state: { type: "string", enum: ["pending", "issued", "rejected", "finished"] } },
} as const;

export const rejectSchema = {
  type: "object",
  additionalProperties: false,
  properties: { reason: text(500) },
} as const;

export const revokeSchema = {
  type: "object",
  additionalProperties: false,
  required: ["reason"],
  properties: {
    reason: {
      type: "string",
      enum: Object.keys(revocationReasons),
    },
  },
} as const;

export const certificateListQuerySchema = {
  type: "object",
  additionalProperties: false,
  required: ["applicationId"],
  properties: { applicationId: idSchema },
} as const;

export const certificateSchema = {
  type: "object",
  properties: {
    serialNumber: { type: "string" },
    thumbprint: { type: "string" },
    applicationId: { type: "string" },
    requestId: { type: "string" },
    certificateGroupId: { type: "string" },
    certificateTypeId: { type: "string" },
    subject: { type: "string" },
    notBefore: { type: "string" },
    notAfter: { type: "string" },
    revokedAt: { type: "string" },
    revocationReason: { type: "string" },
  },
} as const;

export const credentialRequestSchema = {
  type: "object",
  additionalProperties: false,
  properties: { validHours: { type: "integer", minimum: 1, maximum: 720 } },
} as const;

export const credentialSchema = {
  type: "object",
  properties: {
    credentialId: { type: "string" },
    password: { type: "string" },
    applicationId: { type: "string" },
    expiresAt: { type: "string" },
  },
} as const;

/** For routes whose JSON body may be left out: no body counts as an empty object. */
export async function emptyBodyAsObject(request: { body: unknown }): Promise<void> {
  request.body ??= {};
}
