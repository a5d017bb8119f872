import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { DataType, NodeId, Variant, VariantArrayType } from "node-opcua";
import type { Command } from "commander";
import type { GdsClient } from "../client/gds-client.js";
import type { PushAttempt } from "../core/push-records.js";
import type { PushTargetStatus } from "../push/push-service.js";
import { decodePem } from "../ca/pem.js";
import { adminOptions, call, print } from "./admin-commands.js";
import { withAdmin, type AdminFlags } from "./admin-connection.js";

const text = (value: string) => new Variant({ dataType: DataType.String, value });
const bytes = (value: Buffer) => new Variant({ dataType: DataType.ByteString, value });

interface AddFlags {
  targetUrl: string;
  targetUser?: string;
  targetCert?: string;
  targetKey?: string;
  trust?: string[];
}

/**
 * The EnablePushTarget call for a user name, or EnablePushTargetWithCertificate for an X.509
 * user. Secrets come from the environment or a file, never the command line: a flag's value
 * is visible to every local user in the process list.
 */
async function credentialCall(flags: AddFlags, target: Variant[], trusted: Variant)
  : Promise<[string, Variant[]]> {
  const x509 = flags.targetCert !== undefined || flags.targetKey !== undefined;
  if (x509 === (flags.targetUser !== undefined)) {
    throw new Error("give either --target-user or --target-cert with --target-key");
  }
  if (!x509) {
    const password = process.env.SH_TARGET_PASSWORD;
    if (!password) throw new Error("set SH_TARGET_PASSWORD to the target user's password");
    return ["EnablePushTarget", [...target, text(flags.targetUser!), text(password), trusted]];
  }
  if (!flags.targetCert || !flags.targetKey) {
    throw new Error("--target-cert and --target-key go together");
  }
  const [certificate] = await readCertificates([flags.targetCert]);
  const key = await readFile(flags.targetKey);
  return ["EnablePushTargetWithCertificate",
    [...target, bytes(certificate!), bytes(key), trusted]];
}
const pollMs = 1000;

/** `push add|remove|now|status|rejected`: thin OPC UA clients of the push methods. */
export function addPushCommands(program: Command): void {
  const push = program.command("push").description("push management of registered servers");

  adminOptions(push.command("add <applicationId>")
    .description("manage a server by push, as a user (password from SH_TARGET_PASSWORD) "
      + "or with an X.509 user certificate and key"))
    .requiredOption("--target-url <url>", "the server's opc.tcp endpoint URL")
    .option("--target-user <name>", "a user with the SecurityAdmin role on the server")
    .option("--target-cert <file>", "instead: a SecurityAdmin user certificate (PEM or DER)")
    .option("--target-key <file>", "its private key (PEM, or DER PKCS#8)")
    .option("--trust <file...>", "certificates (PEM or DER) to trust there besides our CA")
    .action((applicationId: string, flags: AdminFlags & AddFlags) =>
      withAdmin(flags, async (client) => {
        const trusted = new Variant({ dataType: DataType.ByteString,
          arrayType: VariantArrayType.Array, value: await readCertificates(flags.trust ?? []) });
        const target = [await idOf(client, applicationId), text(flags.targetUrl)];
        const result = await call(client, ...await credentialCall(flags, target, trusted));
        print(JSON.parse(String(result.outputs[0])));
      }));

  adminOptions(push.command("remove <applicationId>").description("end push management"))
    .action((applicationId: string, flags: AdminFlags) => withAdmin(flags, async (client) => {
      await call(client, "DisablePushTarget", [await idOf(client, applicationId)]);
      print({ applicationId, removed: true });
    }));

  adminOptions(push.command("now [applicationId]")
    .description("push now to one server, or to all with --all (progress on stderr)"))
    .option("--all", "every push target")
    .option("--kind <kind>", "certificate (trust list and new certificate) or trustList",
      "certificate")
    .action((applicationId: string | undefined,
      flags: AdminFlags & { all?: boolean; kind: string }) =>
      withAdmin(flags, async (client) => {
        if (!applicationId && !flags.all) throw new Error("name an applicationId or pass --all");
        const target = flags.all ? nullId() : await idOf(client, applicationId!);
        const result = await call(client, "PushNow", [target, text(flags.kind)]);
        const started = JSON.parse(String(result.outputs[0])) as
          { applicationIds: string[]; startedAt: string; attempts?: PushAttempt[] };
        if (!flags.all) {
          print(started);
          if (started.attempts?.some((attempt) => attempt.outcome !== "Succeeded")) {
            process.exitCode = 1;
          }
          return;
        }
        const finished = await followProgress(client, started);
        print(finished);
        if (finished.some((entry) => entry.outcome !== "Succeeded")) process.exitCode = 1;
      }));

  adminOptions(push.command("status [applicationId]").description("push targets (JSON)"))
    .action((applicationId: string | undefined, flags: AdminFlags) =>
      withAdmin(flags, async (client) => {
        print(await status(client, applicationId ? await idOf(client, applicationId) : nullId()));
      }));

  adminOptions(push.command("rejected <applicationId>")
    .description("certificates the server has rejected, read from the server (JSON)"))
    .action((applicationId: string, flags: AdminFlags) => withAdmin(flags, async (client) => {
      const result = await call(client, "GetRejectedList", [await idOf(client, applicationId)]);
      const certificates = (result.outputs[0] as Buffer[] | null) ?? [];
      print(certificates.map((der) => {
        const certificate = new X509Certificate(der);
        return { subject: certificate.subject, thumbprint: certificate.fingerprint,
          subjectAltName: certificate.subjectAltName, pem: certificate.toString() };
      }));
    }));
}

/** Polls GetPushStatus until every target has an attempt newer than the start; shows a count. */
async function followProgress(
  client: GdsClient,
  started: { applicationIds: string[]; startedAt: string },
) {
  const total = started.applicationIds.length;
  const since = Date.parse(started.startedAt);
  let shown = "";
  for (;;) {
    const targets = (await status(client, nullId()))
      .filter((target) => started.applicationIds.includes(target.applicationId));
    const done = targets
      .filter((target) => target.attempts[0] && Date.parse(target.attempts[0].at) >= since);
    // A target removed meanwhile will never report; it counts as done (and failed).
    const removed = total - targets.length;
    const failed = done.filter((target) => target.lastOutcome !== "Succeeded").length + removed;
    const line = `push: ${done.length + removed}/${total} done, ${failed} failed`;
    if (line !== shown) {
      process.stderr.write(process.stderr.isTTY ? `\r${line}` : `${line}\n`);
      shown = line;
    }
    if (done.length + removed >= total) {
      if (process.stderr.isTTY) process.stderr.write("\n");
      return done.map((target) => ({ applicationId: target.applicationId,
        applicationUri: target.applicationUri, outcome: target.lastOutcome,
        message: target.attempts[0]?.message }));
    }
    await new Promise((resume) => setTimeout(resume, pollMs));
  }
}

async function status(client: GdsClient, id: Variant): Promise<PushTargetStatus[]> {
  const result = await call(client, "GetPushStatus", [id]);
  return JSON.parse(String(result.outputs[0])) as PushTargetStatus[];
}

async function idOf(client: GdsClient, applicationId: string): Promise<Variant> {
  const value = await client.productNodeId(applicationId);
  return new Variant({ dataType: DataType.NodeId, value });
}

function nullId(): Variant {
  return new Variant({ dataType: DataType.NodeId, value: NodeId.nullNodeId });
}

async function readCertificates(files: string[]): Promise<Buffer[]> {
  const certificates: Buffer[] = [];
  for (const file of files) {
    const content = await readFile(file);
    const pem = content.toString("latin1");
    certificates.push(...(pem.includes("-----BEGIN") ? decodePem(pem, "CERTIFICATE") : [content]));
  }
  return certificates;
}
