/**
 * A child process hosting some push targets for spawn-targets.ts. It reads its orders (JSON,
 * certificates in base64) from the file named by argv[2], starts the targets one by one,
 * prints one line `READY <json>` with their endpoints, and stops them all when its stdin
 * closes or it receives SIGTERM.
 */
import "reflect-metadata";
import { readFile } from "node:fs/promises";
import { startPushTarget, type PushTarget } from "./push-target.js";
import { readyPrefix, type ProcessOrders } from "./spawn-targets.js";

const orders = JSON.parse(await readFile(process.argv[2]!, "utf8")) as ProcessOrders;
const trustGds = orders.trustGds && {
  certificate: Buffer.from(orders.trustGds.certificate, "base64"),
  crl: orders.trustGds.crl ? Buffer.from(orders.trustGds.crl, "base64") : undefined,
};

const targets: PushTarget[] = [];
for (const order of orders.targets) {
  targets.push(await startPushTarget({ ...order, users: orders.users, trustGds }));
}

let stopping = false;
async function stopAll(): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const target of targets) await target.stop().catch(() => undefined);
  process.exit(0);
}
process.on("SIGTERM", () => void stopAll());
process.stdin.on("end", () => void stopAll());
process.stdin.resume();

process.stdout.write(`${readyPrefix}${JSON.stringify(targets.map((target, index) => ({
  endpointUrl: target.endpointUrl, applicationUri: orders.targets[index]!.applicationUri,
})))}\n`);
