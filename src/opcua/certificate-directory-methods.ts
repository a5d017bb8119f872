import { DataType, StatusCodes, Variant, VariantArrayType } from "node-opcua";
import { GdsError } from "../core/errors.js";
import type { RevocationStatus } from "../core/issuing.js";
import type { CertificateDirectory } from "../gds/certificate-directory.js";
import type { CertificateRequests } from "../gds/certificate-requests.js";
import type { Logger } from "../log/logger.js";
import type { GdsAddressSpace } from "./gds-address-space.js";
import {
  argument,
  bindHandler,
  byteStringArgument,
  stringArgument,
  type MethodHandler,
} from "./method-binding.js";
import type { CallerResolver } from "./session-caller.js";

const revocationStatusCodes: Record<RevocationStatus, typeof StatusCodes.Good> = {
  Good: StatusCodes.Good,
  Revoked: StatusCodes.BadCertificateRevoked,
  TimeInvalid: StatusCodes.BadCertificateTimeInvalid,
  Unknown: StatusCodes.BadCertificateRevocationUnknown,
};

/**
 * Binds the Part 12 CertificateDirectory methods of the standard Directory object, and adds
 * the 1.05 ones the loaded nodeset lacks (GetCertificates, RevokeCertificate,
 * CheckRevocationStatus) under their standard browse names in the product's namespace.
 */
export function bindCertificateDirectoryMethods(
  gds: GdsAddressSpace,
  requests: CertificateRequests,
  certificates: CertificateDirectory,
  callers: CallerResolver,
  log: Logger,
): void {
  const bind = (name: string, handler: MethodHandler) =>
    bindHandler(gds.directoryMethod(name), log, handler);
  const applicationIdOf = (args: Variant[]) =>
    gds.applicationIdOf(argument(args, 0, DataType.NodeId));
  const groupIdOf = (args: Variant[], index: number) =>
    gds.groupIdOf(argument(args, index, DataType.NodeId));
  const typeIdOf = (args: Variant[], index: number) =>
    gds.certificateTypeIdOf(argument(args, index, DataType.NodeId));
  const nodeId = (value: unknown) => new Variant({ dataType: DataType.NodeId, value });

  bind("StartSigningRequest", async (args, context) => {
    const requestId = await requests.startSigningRequest(await callers.of(context, args),
      applicationIdOf(args), groupIdOf(args, 1), typeIdOf(args, 2), byteStringArgument(args, 3));
    return [nodeId(gds.requestNodeId(requestId))];
  });

  bind("StartNewKeyPairRequest", async (args, context) => {
    const domainNames = argument(args, 4, DataType.String) ?? [];
    if (!Array.isArray(domainNames)) throw invalidArgument("DomainNames must be an array");
    const requestId = await requests.startNewKeyPairRequest(await callers.of(context, args),
      applicationIdOf(args), groupIdOf(args, 1), typeIdOf(args, 2), {
        subjectName: stringArgument(args, 3) ?? "",
        domainNames: domainNames.map((name) => String(name ?? "")),
        privateKeyFormat: stringArgument(args, 5) ?? "PFX",
        privateKeyPassword: stringArgument(args, 6) ?? "",
      });
    return [nodeId(gds.requestNodeId(requestId))];
  });

  bind("FinishRequest", async (args, context) => {
    const finished = await requests.finishRequest(await callers.of(context, args),
      applicationIdOf(args), gds.requestIdOf(argument(args, 1, DataType.NodeId)));
    return [
      new Variant({ dataType: DataType.ByteString, value: finished.certificate }),
      new Variant({ dataType: DataType.ByteString, value: finished.privateKey ?? null }),
      byteStrings(finished.issuerCertificates),
    ];
  });

  bind("GetCertificateGroups", async (args) => {
    const groupIds = await certificates.getCertificateGroups(applicationIdOf(args));
    return [nodeIds(groupIds.map((groupId) => gds.groupNodeId(groupId)))];
  });

  bind("GetTrustList", async (args, context) => {
    const groupId = await certificates.getTrustList(await callers.of(context, args),
      applicationIdOf(args), groupIdOf(args, 1));
    return [nodeId(gds.trustListNodeId(groupId))];
  });

  bind("GetCertificateStatus", async (args, context) => {
    const updateRequired = await certificates.getCertificateStatus(await callers.of(context, args),
      applicationIdOf(args), groupIdOf(args, 1), typeIdOf(args, 2));
    return [new Variant({ dataType: DataType.Boolean, value: updateRequired })];
  });

  const add = (name: string, description: string, inputs: Array<[string, DataType, boolean?]>,
    outputs: Array<[string, DataType, boolean?]>, handler: MethodHandler) =>
    bindHandler(gds.addMethod(gds.directory, name, description, inputs, outputs), log, handler);

  add("GetCertificates", "The application's current certificates in a group (Part 12 1.05).",
    [["ApplicationId", DataType.NodeId], ["CertificateGroupId", DataType.NodeId]],
    [["CertificateTypeIds", DataType.NodeId, true], ["Certificates", DataType.ByteString, true]],
    async (args, context) => {
      const current = await certificates.getCertificates(await callers.of(context, args),
        applicationIdOf(args), groupIdOf(args, 1));
      return [
        nodeIds(current.map((entry) => gds.certificateTypeNodeId(entry.certificateTypeId))),
        byteStrings(current.map((entry) => entry.certificate)),
      ];
    });

  add("RevokeCertificate", "Revokes a certificate issued to the application (Part 12 1.05).",
    [["ApplicationId", DataType.NodeId], ["Certificate", DataType.ByteString]], [],
    async (args, context) => {
      await certificates.revokeCertificate(await callers.of(context, args), applicationIdOf(args),
        byteStringArgument(args, 1));
      return [];
    });

  add("CheckRevocationStatus",
    "Good, BadCertificateRevoked, BadCertificateTimeInvalid or BadCertificateRevocationUnknown.",
    [["Certificate", DataType.ByteString]],
    [["CertificateStatus", DataType.StatusCode], ["ValidityTime", DataType.DateTime]],
    async (args) => {
      const { status, validUntil } = await certificates.checkRevocationStatus(
        byteStringArgument(args, 0));
      return [
        new Variant({ dataType: DataType.StatusCode, value: revocationStatusCodes[status] }),
        new Variant({ dataType: DataType.DateTime, value: validUntil }),
      ];
    });
}

function byteStrings(values: Buffer[]): Variant {
  return new Variant({
    dataType: DataType.ByteString, arrayType: VariantArrayType.Array, value: values,
  });
}

function nodeIds(values: unknown[]): Variant {
  return new Variant({
    dataType: DataType.NodeId, arrayType: VariantArrayType.Array, value: values,
  });
}

function invalidArgument(message: string): Error {
  return new GdsError("InvalidArgument", message);
}
