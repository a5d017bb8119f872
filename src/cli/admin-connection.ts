import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { GdsClient } from "../client/gds-client.js";

export interface AdminFlags {
  endpoint?: string;
  dataDir?: string;
  user?: string;
  passwordFile?: string;
}

/**
 * Connects the CLI to a running GDS as any other administrator would: SignAndEncrypt, a user
 * name and password. The password comes from SH_PASSWORD, --password-file, or (for admin on
 * the same machine) DATA_DIR/admin.password; the GDS's CA from DATA_DIR/ca.
 */
const defaultEndpoint = "opc.tcp://localhost:58810";

/** node-opcua's connection messages ("premature disconnection 4") in an operator's terms. */
function connectionProblem(message: string, endpoint: string): string {
  if (/ECONNREFUSED|premature disconnection|ENOTFOUND|connect failed/i.test(message)) {
    return `cannot reach the GDS at ${endpoint} (is it running? pass --endpoint)`;
  }
  if (/BadIdentityTokenRejected|BadUserAccessDenied|BadIdentityTokenInvalid/.test(message)) {
    return `the GDS at ${endpoint} refused the user name or password (${message})`;
  }
  if (/certificate|BadSecurityChecksFailed/i.test(message)) {
    return `${message} (is DATA_DIR/ca of this GDS available here? pass --data-dir)`;
  }
  return message;
}

export async function connectAdmin(flags: AdminFlags): Promise<GdsClient> {
  const dataDir = resolve(flags.dataDir ?? "./data");
  const userName = flags.user ?? "admin";
  const password = await passwordFor(userName, flags, dataDir);
  const authority = await readAuthority(dataDir);
  return GdsClient.connect({
    endpointUrl: flags.endpoint ?? defaultEndpoint,
    pkiDir: join(dataDir, "cli-pki"),
    user: { userName, password },
    authority,
  });
}

async function passwordFor(userName: string, flags: AdminFlags, dataDir: string) {
  const fromEnvironment = process.env.SH_PASSWORD;
  if (fromEnvironment) return fromEnvironment;
  const file = flags.passwordFile ?? (userName === "admin" ? join(dataDir, "admin.password") : "");
  if (!file) throw new Error("no password: set SH_PASSWORD or pass --password-file");
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    throw new Error(`no password: cannot read ${file}; set SH_PASSWORD or pass --password-file`);
  }
}

async function readAuthority(dataDir: string) {
  try {
    return {
      certificate: await readFile(join(dataDir, "ca", "ca.der")),
      crl: await readFile(join(dataDir, "ca", "ca.crl")),
    };
  } catch {
    // Without the CA the connection is still tried; node-opcua then reports the GDS's
    // certificate as untrusted, and the message below tells what to do.
    return undefined;
  }
}

/** Runs an administrative action and turns failures into one readable line and exit code 1. */
export async function withAdmin(
  flags: AdminFlags,
  action: (client: GdsClient) => Promise<void>,
): Promise<void> {
  let client: GdsClient | undefined;
  let connected = false;
  try {
    client = await connectAdmin(flags);
    connected = true;
    await action(client);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`security-handler: ${connected ? message
      : connectionProblem(message, flags.endpoint ?? defaultEndpoint)}\n`);
    process.exitCode = 1;
  } finally {
    await client?.close().catch(() => undefined);
  }
}
