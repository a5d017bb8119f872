import { DataType, Variant, type UAObject } from "node-opcua";
import { GdsError } from "../core/errors.js";
import type { CertificateRequestRecord } from "../core/records.js";
import type { CertificateDirectory } from "../gds/certificate-directory.js";
import type { CertificateRequests } from "../gds/certificate-requests.js";
import type { UserAdministration } from "../identity/user-administration.js";
import type { Logger } from "../log/logger.js";
import { productNamespaceUri, type GdsAddressSpace } from "./gds-address-space.js";
import { argument, bindHandler, stringArgument, type MethodHandler } from "./method-binding.js";
import type { CallerResolver } from "./session-caller.js";

const requestStates = new Set(["pending", "issued", "rejected", "finished"]);

/**
 * The product's administration object (Objects/SecurityHandler): approvals, revocation by
 * serial number and user management as plain OPC UA methods, so that UaExpert can do all of
 * it and the CLI is only a client of the same methods. Lists are returned as JSON text.
 */
export function bindAdministrationMethods(
  gds: GdsAddressSpace,
  services: {
    requests: CertificateRequests;
    certificates: CertificateDirectory;
    users: UserAdministration;
  },
  callers: CallerResolver,
  log: Logger,
): UAObject {
  const namespace = gds.addressSpace.getNamespace(productNamespaceUri);
  const administration = namespace.addObject({
    browseName: "SecurityHandler",
    description: "Administration of the Security Handler GDS",
    organizedBy: gds.addressSpace.rootFolder.objects,
  });
  const add = (name: string, description: string, inputs: Array<[string, DataType, boolean?]>,
    outputs: Array<[string, DataType, boolean?]>, handler: MethodHandler) =>
    bindHandler(gds.addMethod(administration, name, description, inputs, outputs), log, handler);
  const text = (value: string) => new Variant({ dataType: DataType.String, value });
  const required = (args: Variant[], index: number, name: string) => {
    const value = stringArgument(args, index);
    if (value === undefined) throw new GdsError("InvalidArgument", `${name} is required`);
    return value;
  };
  const strings = (args: Variant[], index: number): string[] => {
    const value = argument(args, index, DataType.String) ?? [];
    if (!Array.isArray(value)) throw new GdsError("InvalidArgument", "an array is required");
    return value.map((item) => String(item ?? ""));
  };

  add("ListRequests", "Certificate requests as JSON; State filters (empty: all).",
    [["State", DataType.String]], [["Requests", DataType.String]],
    async (args, context) => {
      const state = stringArgument(args, 0);
      if (state !== undefined && !requestStates.has(state)) {
        throw new GdsError("InvalidArgument", "State is pending, issued, rejected or finished");
      }
      const list = await services.requests.list(await callers.of(context, args),
        state as CertificateRequestRecord["state"] | undefined);
      return [text(JSON.stringify(list))];
    });

  add("ApproveRequest", "Issues a pending certificate request.",
    [["RequestId", DataType.NodeId]], [["SerialNumber", DataType.String]],
    async (args, context) => {
      const issued = await services.requests.approve(await callers.of(context, args),
        gds.requestIdOf(argument(args, 0, DataType.NodeId)));
      return [text(issued.serialNumber)];
    });

  add("RejectRequest", "Rejects a pending certificate request.",
    [["RequestId", DataType.NodeId], ["Reason", DataType.String]], [],
    async (args, context) => {
      await services.requests.reject(await callers.of(context, args),
        gds.requestIdOf(argument(args, 0, DataType.NodeId)), stringArgument(args, 1) ?? "");
      return [];
    });

  add("RevokeCertificateBySerial",
    "Revokes a certificate; Reason is an RFC 5280 CRLReason name such as keyCompromise.",
    [["SerialNumber", DataType.String], ["Reason", DataType.String]], [],
    async (args, context) => {
      await services.certificates.revokeBySerial(await callers.of(context, args),
        required(args, 0, "SerialNumber"), stringArgument(args, 1) ?? "unspecified");
      return [];
    });

  add("ListUsers", "Users and their roles as JSON.", [], [["Users", DataType.String]],
    async (_args, context) => {
      const users = await services.users.list(await callers.of(context));
      return [text(JSON.stringify(users))];
    });

  add("AddUser", "Adds a user with a password and roles.",
    [["UserName", DataType.String], ["Password", DataType.String],
      ["Roles", DataType.String, true]], [],
    async (args, context) => {
      await services.users.add(await callers.of(context, args), required(args, 0, "UserName"),
        required(args, 1, "Password"), strings(args, 2));
      return [];
    });

  add("SetUserRoles", "Replaces a user's roles.",
    [["UserName", DataType.String], ["Roles", DataType.String, true]], [],
    async (args, context) => {
      await services.users.setRoles(await callers.of(context, args), required(args, 0, "UserName"),
        strings(args, 1));
      return [];
    });

  add("SetUserPassword", "Replaces a user's password.",
    [["UserName", DataType.String], ["Password", DataType.String]], [],
    async (args, context) => {
      await services.users.setPassword(await callers.of(context, args),
        required(args, 0, "UserName"), required(args, 1, "Password"));
      return [];
    });

  const binding = (args: Variant[]) => {
    const applicationNodeId = argument(args, 2, DataType.NodeId);
    const empty = !applicationNodeId || (applicationNodeId as { isEmpty(): boolean }).isEmpty();
    return {
      thumbprint: stringArgument(args, 1),
      applicationId: empty ? undefined : gds.applicationIdOf(applicationNodeId),
    };
  };
  const bindingInputs: Array<[string, DataType]> = [["UserName", DataType.String],
    ["Thumbprint", DataType.String], ["ApplicationId", DataType.NodeId]];

  add("AddUserCertificate", "Binds a user certificate for X509IdentityToken sign-in: a "
    + "Thumbprint (SHA-1 hex) or an ApplicationId whose DefaultUserTokenGroup certificates "
    + "stand for the user.", bindingInputs, [],
    async (args, context) => {
      await services.users.addCertificate(await callers.of(context, args),
        required(args, 0, "UserName"), binding(args));
      return [];
    });

  add("RemoveUserCertificate", "Removes a binding made by AddUserCertificate.", bindingInputs, [],
    async (args, context) => {
      await services.users.removeCertificate(await callers.of(context, args),
        required(args, 0, "UserName"), binding(args));
      return [];
    });

  add("RemoveUser", "Removes a user.", [["UserName", DataType.String]], [],
    async (args, context) => {
      await services.users.remove(await callers.of(context, args), required(args, 0, "UserName"));
      return [];
    });

  return administration;
}
