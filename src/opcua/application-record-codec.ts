import {
  DataType,
  LocalizedText,
  Variant,
  VariantArrayType,
  type ExtensionObject,
} from "node-opcua";
import { GdsError } from "../core/errors.js";
import type { ApplicationRecord, ApplicationType } from "../core/records.js";
import type { ApplicationRecordInput } from "../gds/application-record-check.js";
import type { GdsAddressSpace } from "./gds-address-space.js";

/** The fields of ApplicationRecordDataType as node-opcua decodes them. */
interface ApplicationRecordFields {
  applicationId?: unknown;
  applicationUri?: unknown;
  applicationType?: unknown;
  applicationNames?: unknown;
  productUri?: unknown;
  discoveryUrls?: unknown;
  serverCapabilities?: unknown;
}

/** Reads an ApplicationRecordDataType argument; anything malformed is BadInvalidArgument. */
export function decodeApplicationRecord(value: unknown): {
  applicationId: unknown;
  input: ApplicationRecordInput;
} {
  if (typeof value !== "object" || value === null) invalid("an ApplicationRecord is required");
  const fields = value as ApplicationRecordFields;
  return {
    applicationId: fields.applicationId,
    input: {
      applicationUri: text(fields.applicationUri, "ApplicationUri"),
      applicationType: applicationType(fields.applicationType),
      applicationNames: names(fields.applicationNames),
      productUri: text(fields.productUri, "ProductUri"),
      discoveryUrls: strings(fields.discoveryUrls, "DiscoveryUrls"),
      serverCapabilities: strings(fields.serverCapabilities, "ServerCapabilities"),
    },
  };
}

/** Builds the ApplicationRecordDataType extension object of a record. */
export function encodeApplicationRecord(
  gds: GdsAddressSpace,
  record: ApplicationRecord,
): ExtensionObject {
  const dataType = gds.addressSpace.findDataType("ApplicationRecordDataType", gds.gdsIndex);
  if (!dataType) throw new GdsError("Internal", "ApplicationRecordDataType is not loaded");
  return gds.addressSpace.constructExtensionObject(dataType, {
    applicationId: gds.applicationNodeId(record.applicationId),
    applicationUri: record.applicationUri,
    applicationType: record.applicationType,
    applicationNames: record.applicationNames.map(
      (name) => new LocalizedText({ locale: name.locale || null, text: name.text })),
    productUri: record.productUri,
    discoveryUrls: record.discoveryUrls,
    serverCapabilities: record.serverCapabilities,
  });
}

export function applicationRecordsVariant(
  gds: GdsAddressSpace,
  records: ApplicationRecord[],
): Variant {
  return new Variant({
    dataType: DataType.ExtensionObject,
    arrayType: VariantArrayType.Array,
    value: records.map((record) => encodeApplicationRecord(gds, record)),
  });
}

function text(value: unknown, field: string): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  invalid(`${field} must be a string`);
}

function applicationType(value: unknown): ApplicationType {
  if (value === 0 || value === 1 || value === 2 || value === 3) return value;
  invalid("ApplicationType must be 0 to 3");
}

function names(value: unknown): ApplicationRecordInput["applicationNames"] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) invalid("ApplicationNames must be an array");
  return value.map((name: { locale?: unknown; text?: unknown }) => ({
    locale: typeof name?.locale === "string" ? name.locale : "",
    text: typeof name?.text === "string" ? name.text : "",
  }));
}

function strings(value: unknown, field: string): string[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    invalid(`${field} must be an array of strings`);
  }
  return value as string[];
}

function invalid(message: string): never {
  throw new GdsError("InvalidArgument", message);
}
