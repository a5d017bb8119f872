/**
 * Starts push targets in child processes, for the benchmark and for trying the GDS by hand:
 *   node --import tsx test/support/push-target/spawn-targets.ts <count> [processes]
 * prints one endpoint and ApplicationUri a line and runs until interrupted. The targets then
 * trust nothing; the benchmark passes its GDS's CA and CRL instead.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { PushTargetVariant, TargetUser } from "./push-target.js";

export interface TargetOrder {
  dir: string;
  applicationUri: string;
  variant: PushTargetVariant;
}

export interface ProcessOrders {
  targets: TargetOrder[];
  users: TargetUser[];
  /** Base64 DER of the CA and its CRL every target trusts. */
  trustGds?: { certificate: string; crl?: string };
}

export const readyPrefix = "READY ";

export interface SpawnOptions {
  count: number;
  /** Child processes to spread the targets over (round robin); at most `count`. */
  processes: number;
  users: TargetUser[];
  trustGds?: { certificate: Buffer; crl?: Buffer };
  variant?: PushTargetVariant;
  applicationUri?: (index: number) => string;
}

export interface SpawnedTarget {
  endpointUrl: string;
  applicationUri: string;
}

export interface SpawnedTargets {
  targets: SpawnedTarget[];
  stop(): Promise<void>;
}

const entry = join(import.meta.dirname, "target-process.ts");

export async function spawnTargets(options: SpawnOptions): Promise<SpawnedTargets> {
  const dir = await mkdtemp(join(tmpdir(), "sh-push-targets-"));
  const processes = Math.max(1, Math.min(options.processes, options.count));
  const orders: ProcessOrders[] = Array.from({ length: processes }, () => ({
    targets: [], users: options.users,
    trustGds: options.trustGds && {
      certificate: options.trustGds.certificate.toString("base64"),
      crl: options.trustGds.crl?.toString("base64"),
    },
  }));
  for (let index = 0; index < options.count; index += 1) {
    orders[index % processes]!.targets.push({
      dir: join(dir, `target-${index}`),
      applicationUri: options.applicationUri?.(index)
        ?? `urn:security-handler:bench:target:${index}`,
      variant: options.variant ?? "conforming",
    });
  }

  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.stdin?.end();
    })));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const started = await Promise.all(orders.map(async (order, index) => {
      const file = join(dir, `orders-${index}.json`);
      await mkdir(dir, { recursive: true });
      await writeFile(file, JSON.stringify(order));
      const child = spawn(process.execPath, ["--import", "tsx", entry, file], {
        stdio: ["pipe", "pipe", "inherit"],
      });
      children.push(child);
      return ready(child);
    }));
    return { targets: started.flat(), stop };
  } catch (error) {
    for (const child of children) child.kill("SIGTERM");
    await stop();
    throw error;
  }
}

/** Resolves with the child's endpoints once it prints its READY line. */
function ready(child: ChildProcess): Promise<SpawnedTarget[]> {
  return new Promise((resolve, reject) => {
    let pending = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      pending += chunk.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      const line = lines.find((candidate) => candidate.startsWith(readyPrefix));
      if (line) resolve(JSON.parse(line.slice(readyPrefix.length)) as SpawnedTarget[]);
    });
    child.once("exit", (code) => reject(new Error(`a target process exited with ${code}`)));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const count = Number(process.argv[2] ?? 1);
  const spawned = await spawnTargets({
    count, processes: Number(process.argv[3] ?? count),
    users: [{ userName: "secadmin", password: "push target admin 1", roles: ["SecurityAdmin"] }],
  });
  for (const target of spawned.targets) {
    console.log(`${target.endpointUrl} ${target.applicationUri}`);
  }
  process.on("SIGINT", () => void spawned.stop().then(() => process.exit(0)));
}
