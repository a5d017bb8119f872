import { DataType, Variant, type UAObject } from "node-opcua";
import type { Caller } from "../gds/caller.js";
import type { Logger } from "../log/logger.js";
import type { GdsAddressSpace } from "./gds-address-space.js";
import { argument, bindHandler } from "./method-binding.js";
import type { CallerResolver } from "./session-caller.js";

/** What the method needs: EnrolmentCredentials.create. */
export interface EstCredentialIssuer {
  create(caller: Caller, applicationId: string, validHours?: number): Promise<{
    credentialId: string;
    password: string;
    expiresAt: string;
  }>;
}

/**
 * SecurityHandler.CreateEstCredential: a one-time EST enrolment credential for a registered
 * application, so that OPC UA clients and the CLI can hand one out, not only the REST API.
 * The password is in the answer only; the GDS keeps its hash.
 */
export function bindEstCredentialMethod(
  gds: GdsAddressSpace,
  administration: UAObject,
  credentials: EstCredentialIssuer,
  callers: CallerResolver,
  log: Logger,
): void {
  const method = gds.addMethod(administration, "CreateEstCredential",
    "A one-time EST enrolment credential for an application; ValidHours 0 means 24.",
    [["ApplicationId", DataType.NodeId], ["ValidHours", DataType.UInt32]],
    [["CredentialId", DataType.String], ["Password", DataType.String],
      ["ExpiresAt", DataType.DateTime]]);
  bindHandler(method, log, async (args, context) => {
    const caller = await callers.of(context);
    const applicationId = gds.applicationIdOf(argument(args, 0, DataType.NodeId));
    const hours = Number(argument(args, 1, DataType.UInt32) ?? 0);
    const issued = await credentials.create(caller, applicationId, hours === 0 ? undefined : hours);
    return [
      new Variant({ dataType: DataType.String, value: issued.credentialId }),
      new Variant({ dataType: DataType.String, value: issued.password }),
      new Variant({ dataType: DataType.DateTime, value: new Date(issued.expiresAt) }),
    ];
  });
}
