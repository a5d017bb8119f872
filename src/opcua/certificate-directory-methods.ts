import { DataType, Variant, VariantArrayType } from "node-opcua";
import type { CertificateDirectory } from "../gds/certificate-directory.js";
import type { UserDirectory } from "../identity/user-directory.js";
import type { Logger } from "../log/logger.js";
import type { GdsAddressSpace } from "./gds-address-space.js";
import { argument, bindHandler, byteStringArgument } from "./method-binding.js";
import { callerOf } from "./session-caller.js";

/** Binds the Part 12 CertificateDirectory methods of the standard Directory object. */
export function bindCertificateDirectoryMethods(
  gds: GdsAddressSpace,
  certificates: CertificateDirectory,
  users: UserDirectory,
  log: Logger,
): void {
  const bind = (name: string, handler: Parameters<typeof bindHandler>[2]) =>
    bindHandler(gds.directoryMethod(name), log, handler);
  const applicationIdArgument = (args: Variant[]) =>
    gds.applicationIdOf(argument(args, 0, DataType.NodeId));

  bind("StartSigningRequest", async (args, context) => {
    const caller = callerOf(context, users);
    const applicationId = applicationIdArgument(args);
    const groupId = gds.groupIdOf(argument(args, 1, DataType.NodeId));
    const typeId = gds.certificateTypeIdOf(argument(args, 2, DataType.NodeId));
    const csr = byteStringArgument(args, 3);
    const requestId = await certificates.startSigningRequest(
      caller, applicationId, groupId, typeId, csr);
    return [new Variant({ dataType: DataType.NodeId, value: gds.requestNodeId(requestId) })];
  });

  bind("FinishRequest", async (args, context) => {
    const caller = callerOf(context, users);
    const applicationId = applicationIdArgument(args);
    const requestId = gds.requestIdOf(argument(args, 1, DataType.NodeId));
    const finished = await certificates.finishRequest(caller, applicationId, requestId);
    return [
      new Variant({ dataType: DataType.ByteString, value: finished.certificate }),
      new Variant({ dataType: DataType.ByteString, value: finished.privateKey ?? null }),
      new Variant({
        dataType: DataType.ByteString,
        arrayType: VariantArrayType.Array,
        value: finished.issuerCertificates,
      }),
    ];
  });

  bind("GetCertificateGroups", async (args) => {
    const groupIds = await certificates.getCertificateGroups(applicationIdArgument(args));
    return [new Variant({
      dataType: DataType.NodeId,
      arrayType: VariantArrayType.Array,
      value: groupIds.map((groupId) => gds.groupNodeId(groupId)),
    })];
  });

  bind("GetTrustList", async (args, context) => {
    const caller = callerOf(context, users);
    const applicationId = applicationIdArgument(args);
    const groupId = gds.groupIdOf(argument(args, 1, DataType.NodeId));
    const resolved = await certificates.getTrustList(caller, applicationId, groupId);
    return [new Variant({ dataType: DataType.NodeId, value: gds.trustListNodeId(resolved) })];
  });

  bind("GetCertificateStatus", async (args, context) => {
    const caller = callerOf(context, users);
    const applicationId = applicationIdArgument(args);
    const groupId = gds.groupIdOf(argument(args, 1, DataType.NodeId));
    const typeId = gds.certificateTypeIdOf(argument(args, 2, DataType.NodeId));
    const updateRequired = await certificates.getCertificateStatus(
      caller, applicationId, groupId, typeId);
    return [new Variant({ dataType: DataType.Boolean, value: updateRequired })];
  });
}
