import { DataType, NodeId, Variant, VariantArrayType, type UAObject } from "node-opcua";
import { GdsError } from "../core/errors.js";
import type { PushKind } from "../core/push-records.js";
import type { PushService } from "../push/push-service.js";
import type { Logger } from "../log/logger.js";
import type { GdsAddressSpace } from "./gds-address-space.js";
import { argument, bindHandler, stringArgument, type MethodHandler } from "./method-binding.js";
import type { CallerResolver } from "./session-caller.js";

const kinds = new Set<PushKind>(["certificate", "trustList"]);

/**
 * Push management on the administration object: the operator's side of the push engine, also
 * what the CLI calls. Statuses are JSON text like the other administration lists.
 */
export function bindPushMethods(
  gds: GdsAddressSpace,
  administration: UAObject,
  push: PushService,
  callers: CallerResolver,
  log: Logger,
): void {
  const add = (name: string, description: string, inputs: Array<[string, DataType, boolean?]>,
    outputs: Array<[string, DataType, boolean?]>, handler: MethodHandler) =>
    bindHandler(gds.addMethod(administration, name, description, inputs, outputs), log, handler);
  const text = (value: unknown) =>
    new Variant({ dataType: DataType.String, value: JSON.stringify(value) });
  const applicationId = (args: Variant[], index: number) =>
    gds.applicationIdOf(argument(args, index, DataType.NodeId));
  /** A null ApplicationId means every target. */
  const applicationIdOrAll = (args: Variant[], index: number) => {
    const value = argument(args, index, DataType.NodeId);
    return value === undefined || (value instanceof NodeId && value.isEmpty())
      ? undefined
      : gds.applicationIdOf(value);
  };
  /** TrustedCertificates: an optional array of DER certificates. */
  const trustedCertificates = (args: Variant[], index: number) => {
    const trusted = argument(args, index, DataType.ByteString) ?? [];
    if (!Array.isArray(trusted)) throw new GdsError("InvalidArgument", "an array is required");
    return trusted.filter(Buffer.isBuffer);
  };
  const required = (args: Variant[], index: number, name: string) => {
    const value = stringArgument(args, index);
    if (value === undefined) throw new GdsError("InvalidArgument", `${name} is required`);
    return value;
  };

  add("EnablePushTarget",
    "Puts a registered server under push management: its endpoint and a SecurityAdmin user "
    + "there. TrustedCertificates are trusted on that server besides the CA.",
    [["ApplicationId", DataType.NodeId], ["EndpointUrl", DataType.String],
      ["UserName", DataType.String], ["Password", DataType.String],
      ["TrustedCertificates", DataType.ByteString, true]],
    [["Target", DataType.String]],
    async (args, context) => {
      const status = await push.enable(await callers.of(context), {
        applicationId: applicationId(args, 0),
        endpointUrl: required(args, 1, "EndpointUrl"),
        userName: required(args, 2, "UserName"),
        password: required(args, 3, "Password"),
        extraTrustedCertificates: trustedCertificates(args, 4),
      });
      return [text(status)];
    });

  add("EnablePushTargetWithCertificate",
    "As EnablePushTarget, signing in on the server with an X.509 user certificate: "
    + "UserCertificate (DER) and UserPrivateKey (PEM, or DER PKCS#8), sealed and never returned.",
    [["ApplicationId", DataType.NodeId], ["EndpointUrl", DataType.String],
      ["UserCertificate", DataType.ByteString], ["UserPrivateKey", DataType.ByteString],
      ["TrustedCertificates", DataType.ByteString, true]],
    [["Target", DataType.String]],
    async (args, context) => {
      const bytes = (index: number, name: string) => {
        const value = argument(args, index, DataType.ByteString);
        if (!Buffer.isBuffer(value)) throw new GdsError("InvalidArgument", `${name} is required`);
        return value;
      };
      const status = await push.enable(await callers.of(context), {
        applicationId: applicationId(args, 0),
        endpointUrl: required(args, 1, "EndpointUrl"),
        userCertificate: bytes(2, "UserCertificate"),
        userPrivateKey: bytes(3, "UserPrivateKey"),
        extraTrustedCertificates: trustedCertificates(args, 4),
      });
      return [text(status)];
    });

  add("DisablePushTarget", "Ends push management of a server; its history is removed.",
    [["ApplicationId", DataType.NodeId]], [],
    async (args, context) => {
      await push.disable(await callers.of(context), applicationId(args, 0));
      return [];
    });

  add("PushNow",
    "Pushes now. Kind: certificate (trust list, new key and certificate) or trustList. "
    + "One ApplicationId: waits and returns the attempt; null: starts all and returns at once.",
    [["ApplicationId", DataType.NodeId], ["Kind", DataType.String]],
    [["Result", DataType.String]],
    async (args, context) => {
      const kind = (stringArgument(args, 1) ?? "certificate") as PushKind;
      if (!kinds.has(kind)) {
        throw new GdsError("InvalidArgument", "Kind is certificate or trustList");
      }
      const target = applicationIdOrAll(args, 0);
      const batch = await push.pushNow(await callers.of(context), target ? [target] : "all", kind);
      if (!target) {
        batch.completion.catch((error: unknown) =>
          log.error({ err: error }, "push batch failed"));
        return [text({ applicationIds: batch.applicationIds, startedAt: batch.startedAt })];
      }
      const attempts = await batch.completion;
      return [text({ applicationIds: batch.applicationIds, startedAt: batch.startedAt, attempts })];
    });

  add("GetPushStatus", "Push targets, their certificates and recent attempts; null: all.",
    [["ApplicationId", DataType.NodeId]], [["Targets", DataType.String]],
    async (args, context) => {
      const target = applicationIdOrAll(args, 0);
      return [text(await push.status(await callers.of(context), target))];
    });

  add("GetRejectedList", "The certificates a push target has rejected, read from the target.",
    [["ApplicationId", DataType.NodeId]], [["Certificates", DataType.ByteString, true]],
    async (args, context) => {
      const certificates = await push.rejectedList(await callers.of(context),
        applicationId(args, 0));
      return [new Variant({ dataType: DataType.ByteString, arrayType: VariantArrayType.Array,
        value: certificates })];
    });
}
