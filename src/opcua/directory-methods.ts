import { DataType, Variant, VariantArrayType } from "node-opcua";
import type { ApplicationDirectory } from "../gds/application-directory.js";
import type { Logger } from "../log/logger.js";
import {
  applicationRecordsVariant,
  decodeApplicationRecord,
  encodeApplicationRecord,
} from "./application-record-codec.js";
import type { GdsAddressSpace } from "./gds-address-space.js";
import { argument, bindHandler, stringArgument } from "./method-binding.js";
import type { CallerResolver } from "./session-caller.js";

/** Binds the Part 12 Directory methods of the standard Directory object. */
export function bindDirectoryMethods(
  gds: GdsAddressSpace,
  directory: ApplicationDirectory,
  callers: CallerResolver,
  log: Logger,
): void {
  const bind = (name: string, handler: Parameters<typeof bindHandler>[2]) =>
    bindHandler(gds.directoryMethod(name), log, handler);

  bind("RegisterApplication", async (args, context) => {
    const { input } = decodeApplicationRecord(argument(args, 0, DataType.ExtensionObject));
    const applicationId = await directory.register(await callers.of(context, args), input);
    const nodeId = gds.applicationNodeId(applicationId);
    return [new Variant({ dataType: DataType.NodeId, value: nodeId })];
  });

  bind("UpdateApplication", async (args, context) => {
    const caller = await callers.of(context, args);
    const decoded = decodeApplicationRecord(argument(args, 0, DataType.ExtensionObject));
    const applicationId = gds.applicationIdOf(decoded.applicationId);
    await directory.update(caller, applicationId, decoded.input);
    return [];
  });

  bind("UnregisterApplication", async (args, context) => {
    const caller = await callers.of(context, args);
    const applicationId = gds.applicationIdOf(argument(args, 0, DataType.NodeId));
    await directory.unregister(caller, applicationId);
    return [];
  });

  bind("FindApplications", async (args) => {
    const applicationUri = stringArgument(args, 0) ?? "";
    const records = await directory.findByUri(applicationUri);
    return [applicationRecordsVariant(gds, records)];
  });

  bind("GetApplication", async (args) => {
    const applicationId = gds.applicationIdOf(argument(args, 0, DataType.NodeId));
    const record = await directory.get(applicationId);
    return [new Variant({
      dataType: DataType.ExtensionObject,
      arrayType: VariantArrayType.Scalar,
      value: encodeApplicationRecord(gds, record),
    })];
  });
}
