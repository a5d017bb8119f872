import { DataType, Variant } from "node-opcua";
import type { Command } from "commander";
import { adminOptions, call, print } from "./admin-commands.js";
import { withAdmin, type AdminFlags } from "./admin-connection.js";

/** `est credential`: a one-time EST enrolment credential, through the OPC UA method. */
export function addEstCommands(program: Command): void {
  const est = program.command("est").description("EST enrolment (RFC 7030)");
  adminOptions(est.command("credential <applicationId>")
    .description("create a one-time enrolment credential for a registered application (JSON)"))
    .option("--valid-hours <hours>", "hours until it expires (1-720)", "24")
    .action((applicationId: string, flags: AdminFlags & { validHours: string }) =>
      withAdmin(flags, async (client) => {
        const hours = Number(flags.validHours);
        if (!Number.isInteger(hours) || hours < 1) throw new Error("--valid-hours: 1 to 720");
        const id = await client.productNodeId(applicationId);
        const result = await call(client, "CreateEstCredential", [
          new Variant({ dataType: DataType.NodeId, value: id }),
          new Variant({ dataType: DataType.UInt32, value: hours }),
        ]);
        print({
          applicationId,
          credentialId: result.outputs[0],
          password: result.outputs[1],
          expiresAt: (result.outputs[2] as Date).toISOString(),
        });
      }));
}
