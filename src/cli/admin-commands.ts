import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { DataType, NodeId, StatusCodes, Variant, VariantArrayType } from "node-opcua";
import type { Command } from "commander";
import type { CallResult, GdsClient } from "../client/gds-client.js";
import { withAdmin, type AdminFlags } from "./admin-connection.js";

const text = (value: string) => new Variant({ dataType: DataType.String, value });

/** Fails with the method's status code name, the same one UaExpert would show. */
function check(result: CallResult, what: string): CallResult {
  if (result.statusCode.value !== StatusCodes.Good.value) {
    throw new Error(`${what}: ${result.statusCode.name}`);
  }
  return result;
}

export async function call(client: GdsClient, method: string, args: Variant[]) {
  return check(await client.callProductMethod(["SecurityHandler", method], args), method);
}

export function print(json: unknown): void {
  process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
}

export function adminOptions(command: Command): Command {
  return command
    .option("--endpoint <url>", "GDS endpoint", "opc.tcp://localhost:58810")
    .option("--data-dir <dir>", "data directory of the GDS (its CA and admin password)", "./data")
    .option("--user <name>", "administrator user name", "admin")
    .option("--password-file <file>", "file holding the password (or set SH_PASSWORD)");
}

/** `requests`, `users` and `certificates`: thin OPC UA clients of the administration methods. */
export function addAdminCommands(program: Command): void {
  const requests = program.command("requests").description("certificate requests and approvals");
  adminOptions(requests.command("list").description("list requests (JSON)"))
    .option("--state <state>", "pending, issued, rejected or finished")
    .action((flags: AdminFlags & { state?: string }) => withAdmin(flags, async (client) => {
      const result = await call(client, "ListRequests", [text(flags.state ?? "")]);
      print(JSON.parse(String(result.outputs[0])));
    }));
  adminOptions(requests.command("approve <requestId>").description("issue a pending request"))
    .action((requestId: string, flags: AdminFlags) => withAdmin(flags, async (client) => {
      const id = await client.productNodeId(requestId);
      const result = await call(client, "ApproveRequest",
        [new Variant({ dataType: DataType.NodeId, value: id })]);
      print({ requestId, serialNumber: result.outputs[0] });
    }));
  adminOptions(requests.command("reject <requestId>").description("reject a pending request"))
    .option("--reason <text>", "why", "")
    .action((requestId: string, flags: AdminFlags & { reason: string }) =>
      withAdmin(flags, async (client) => {
        const id = await client.productNodeId(requestId);
        await call(client, "RejectRequest",
          [new Variant({ dataType: DataType.NodeId, value: id }), text(flags.reason)]);
        print({ requestId, state: "rejected" });
      }));

  const users = program.command("users").description("users and roles");
  adminOptions(users.command("list").description("list users and roles (JSON)"))
    .action((flags: AdminFlags) => withAdmin(flags, async (client) => {
      print(JSON.parse(String((await call(client, "ListUsers", [])).outputs[0])));
    }));
  adminOptions(users.command("add <userName>")
    .description("add a user; password from SH_NEW_PASSWORD"))
    .requiredOption("--role <role...>", "roles: DiscoveryAdmin CertificateAuthorityAdmin "
      + "RegistrationAuthorityAdmin SecurityAdmin Operator")
    .action((userName: string, flags: AdminFlags & { role: string[] }) =>
      withAdmin(flags, async (client) => {
        await call(client, "AddUser", [text(userName), text(newPassword()), roles(flags.role)]);
        print({ userName, roles: flags.role });
      }));
  adminOptions(users.command("roles <userName> <role...>").description("replace a user's roles"))
    .action((userName: string, role: string[], flags: AdminFlags) =>
      withAdmin(flags, async (client) => {
        await call(client, "SetUserRoles", [text(userName), roles(role)]);
        print({ userName, roles: role });
      }));
  adminOptions(users.command("passwd <userName>")
    .description("set a password from SH_NEW_PASSWORD"))
    .action((userName: string, flags: AdminFlags) => withAdmin(flags, async (client) => {
      await call(client, "SetUserPassword", [text(userName), text(newPassword())]);
      print({ userName, password: "changed" });
    }));
  adminOptions(users.command("remove <userName>").description("remove a user"))
    .action((userName: string, flags: AdminFlags) => withAdmin(flags, async (client) => {
      await call(client, "RemoveUser", [text(userName)]);
      print({ userName, removed: true });
    }));

  const certs = users.command("cert")
    .description("certificates users sign in with (X509IdentityToken)");
  for (const [verb, method, description] of [
    ["add", "AddUserCertificate", "bind a certificate to a user"],
    ["remove", "RemoveUserCertificate", "remove a user's certificate binding"],
  ] as const) {
    adminOptions(certs.command(`${verb} <userName> [certificateFile]`)
      .description(`${description}: a certificate file (PEM or DER), --thumbprint, or `
        + "--application for every DefaultUserTokenGroup certificate of that ApplicationId"))
      .option("--thumbprint <hex>", "SHA-1 thumbprint of the certificate")
      .option("--application <applicationId>", "ApplicationId (GUID) registered in the GDS")
      .action((userName: string, certificateFile: string | undefined,
        flags: AdminFlags & { thumbprint?: string; application?: string }) =>
        withAdmin(flags, async (client) => {
          const thumbprint = certificateFile ? thumbprintOfFile(certificateFile) : flags.thumbprint;
          const applicationId = flags.application
            ? await client.productNodeId(flags.application)
            : NodeId.nullNodeId;
          await call(client, method, [text(userName), text(thumbprint ?? ""),
            new Variant({ dataType: DataType.NodeId, value: applicationId })]);
          print({ userName, [verb === "add" ? "bound" : "unbound"]:
            thumbprint ?? flags.application });
        }));
  }

  const certificates = program.command("certificates").description("issued certificates");
  adminOptions(certificates.command("revoke <serialNumber>").description("revoke a certificate"))
    .option("--reason <reason>", "RFC 5280 reason, e.g. keyCompromise, superseded", "unspecified")
    .action((serialNumber: string, flags: AdminFlags & { reason: string }) =>
      withAdmin(flags, async (client) => {
        await call(client, "RevokeCertificateBySerial", [text(serialNumber), text(flags.reason)]);
        print({ serialNumber, revoked: true, reason: flags.reason });
      }));
}

function roles(values: string[]): Variant {
  return new Variant({
    dataType: DataType.String, arrayType: VariantArrayType.Array, value: values,
  });
}

/** New passwords come from the environment so that they appear in no process list. */
function newPassword(): string {
  const password = process.env.SH_NEW_PASSWORD;
  if (!password) throw new Error("set SH_NEW_PASSWORD to the new password");
  return password;
}

/** The OPC UA thumbprint (SHA-1 of the DER) of a PEM or DER certificate file. */
function thumbprintOfFile(file: string): string {
  const der = new X509Certificate(readFileSync(file)).raw;
  return createHash("sha1").update(der).digest("hex").toUpperCase();
}
