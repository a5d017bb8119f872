import {
  ApplicationDescription,
  DataType,
  LocalizedText,
  ServerOnNetwork,
  Variant,
  VariantArrayType,
} from "node-opcua";
import { GdsError } from "../core/errors.js";
import type { ApplicationRecord } from "../core/records.js";
import type { ApplicationQuery, ServerOnNetworkEntry } from "../gds/application-query.js";
import type { Logger } from "../log/logger.js";
import type { GdsAddressSpace } from "./gds-address-space.js";
import { bindHandler, uint32Argument } from "./method-binding.js";

/**
 * Binds QueryApplications and QueryServers of the standard Directory object. Both are reads
 * open to every session, anonymous ones included, so neither looks at the caller.
 *
 * node-opcua checks each argument's DataType against the method's InputArguments before a
 * handler runs and answers a wrong one with BadTypeMismatch itself; what reaches these handlers
 * has the right DataType, and a value that is still unusable is BadInvalidArgument.
 */
export function bindQueryMethods(gds: GdsAddressSpace, query: ApplicationQuery, log: Logger): void {
  bindHandler(gds.directoryMethod("QueryApplications"), log, async (args) => {
    const page = await query.queryApplications({
      startingRecordId: uint32Argument(args, 0),
      maxRecordsToReturn: uint32Argument(args, 1),
      applicationName: scalarString(args, 2),
      applicationUri: scalarString(args, 3),
      applicationTypeMask: uint32Argument(args, 4),
      productUri: scalarString(args, 5),
      serverCapabilities: stringArray(args, 6),
    });
    return [
      new Variant({ dataType: DataType.DateTime, value: page.lastCounterResetTime }),
      new Variant({ dataType: DataType.UInt32, value: page.nextRecordId }),
      new Variant({
        dataType: DataType.ExtensionObject,
        arrayType: VariantArrayType.Array,
        value: page.applications.map(applicationDescription),
      }),
    ];
  });

  bindHandler(gds.directoryMethod("QueryServers"), log, async (args) => {
    const page = await query.queryServers({
      startingRecordId: uint32Argument(args, 0),
      maxRecordsToReturn: uint32Argument(args, 1),
      applicationName: scalarString(args, 2),
      applicationUri: scalarString(args, 3),
      productUri: scalarString(args, 4),
      serverCapabilities: stringArray(args, 5),
    });
    return [
      new Variant({ dataType: DataType.DateTime, value: page.lastCounterResetTime }),
      new Variant({
        dataType: DataType.ExtensionObject,
        arrayType: VariantArrayType.Array,
        value: page.servers.map(serverOnNetwork),
      }),
    ];
  });
}

/** Part 12 Table 13: the record's default name, no capabilities, no gateway or profile. */
function applicationDescription(record: ApplicationRecord): ApplicationDescription {
  const name = record.applicationNames[0];
  return new ApplicationDescription({
    applicationUri: record.applicationUri,
    productUri: record.productUri,
    applicationName: new LocalizedText({ locale: name?.locale || null, text: name?.text ?? "" }),
    applicationType: record.applicationType,
    gatewayServerUri: null,
    discoveryProfileUri: null,
    discoveryUrls: record.discoveryUrls,
  });
}

function serverOnNetwork(entry: ServerOnNetworkEntry): ServerOnNetwork {
  return new ServerOnNetwork({ ...entry });
}

/** A String argument; null and "" both mean "no filter". */
function scalarString(args: Variant[], index: number): string | undefined {
  const variant = args[index];
  if (!variant || variant.dataType === DataType.Null) return undefined;
  if (variant.dataType !== DataType.String || variant.arrayType !== VariantArrayType.Scalar) {
    throw new GdsError("InvalidArgument", `argument ${index} must be a String`);
  }
  return typeof variant.value === "string" && variant.value.length > 0 ? variant.value : undefined;
}

/** A String[] argument; null means an empty list. */
function stringArray(args: Variant[], index: number): string[] {
  const variant = args[index];
  if (!variant || variant.dataType === DataType.Null) return [];
  if (variant.dataType !== DataType.String || variant.arrayType !== VariantArrayType.Array) {
    throw new GdsError("InvalidArgument", `argument ${index} must be an array of String`);
  }
  const values: unknown[] = Array.isArray(variant.value) ? variant.value : [];
  return values.filter((value): value is string => typeof value === "string");
}
