/**
 * Time to push a new trust list to many push targets, each bound on concurrent attempts.
 *
 *   node --import tsx bench/push-trust-list.ts
 *   TARGETS=50 PROCESSES=10 BOUNDS=1,4,8,16,50 ROUNDS=1 node --import tsx bench/push-trust-list.ts
 *
 * The GDS runs in this process with its SoftHSM token; the targets (test/support/push-target,
 * conforming variant) run in PROCESSES child processes, all on 127.0.0.1. For each bound the
 * GDS is restarted with push concurrency = bound and PushNow(all, trustList) is timed from the
 * call to the last attempt's outcome. A warm-up round at the largest bound comes first.
 * Not a test: on a shared two-core machine the figures are noisy.
 */
import "reflect-metadata";
import { performance } from "node:perf_hooks";
import { DataType, NodeId, StatusCodes, Variant, VariantArrayType } from "node-opcua";
import type { Caller } from "../src/gds/caller.js";
import type { PushAttempt } from "../src/core/push-records.js";
import { connectClient, registerServer } from "../test/support/enrolment.js";
import { adminPassword, GdsFixture } from "../test/support/gds-fixture.js";
import { spawnTargets } from "../test/support/push-target/spawn-targets.js";

const targetCount = Number(process.env.TARGETS ?? 50);
const processes = Number(process.env.PROCESSES ?? 10);
const bounds = (process.env.BOUNDS ?? "1,4,8,16,50").split(",").map(Number);
const rounds = Number(process.env.ROUNDS ?? 1);
const targetAdmin = {
  userName: "secadmin", password: "bench target secret", roles: ["SecurityAdmin"],
};

const caller: Caller = {
  userName: "admin", roles: new Set(["SecurityAdmin"]), securityMode: "SignAndEncrypt",
};
const text = (value: string) => new Variant({ dataType: DataType.String, value });

const fixture = await GdsFixture.create();
const pushOptions = (concurrency: number) =>
  ({ adminPassword, push: { intervalMs: 0, concurrency } });
let gds = await fixture.start(pushOptions(Math.max(...bounds)));

const log = (message: string) => process.stderr.write(`${message}\n`);
log(`starting ${targetCount} targets in ${processes} processes`);
const started = performance.now();
const spawned = await spawnTargets({
  count: targetCount, processes, users: [targetAdmin],
  trustGds: { certificate: gds.authority.certificate(), crl: gds.authority.crl() },
});
log(`targets up in ${((performance.now() - started) / 1000).toFixed(1)} s`);

try {
  const admin = await connectClient(fixture);
  for (const target of spawned.targets) {
    const applicationId: NodeId = await registerServer(admin, target.applicationUri);
    const enabled = await admin.callProductMethod(["SecurityHandler", "EnablePushTarget"], [
      new Variant({ dataType: DataType.NodeId, value: applicationId }),
      text(target.endpointUrl), text(targetAdmin.userName), text(targetAdmin.password),
      new Variant({ dataType: DataType.ByteString, arrayType: VariantArrayType.Array, value: [] }),
    ]);
    if (enabled.statusCode !== StatusCodes.Good) throw new Error(enabled.statusCode.name);
  }
  await admin.close();

  // CPU time of this process (the GDS side) beside the wall time: on a small machine the
  // targets and the GDS compete for the same cores, which caps what concurrency can buy.
  const pushAll = async () => {
    const start = performance.now();
    const cpuBefore = process.cpuUsage();
    const batch = await gds.push.engine.pushNow(caller, "all", "trustList");
    const attempts: PushAttempt[] = await batch.completion;
    const cpu = process.cpuUsage(cpuBefore);
    return {
      seconds: (performance.now() - start) / 1000,
      gdsCpuSeconds: (cpu.user + cpu.system) / 1e6,
      attempts,
    };
  };
  const failures = (attempts: PushAttempt[]) =>
    attempts.filter((attempt) => attempt.outcome !== "Succeeded");

  const warmUp = await pushAll();
  log(`warm-up: ${warmUp.seconds.toFixed(2)} s, ${failures(warmUp.attempts).length} failed`);

  const results: Array<{ bound: number; seconds: number; gdsCpu: number; failed: number }> = [];
  for (const bound of bounds) {
    await fixture.stop();
    gds = await fixture.start(pushOptions(bound));
    for (let round = 0; round < rounds; round += 1) {
      const { seconds, gdsCpuSeconds, attempts } = await pushAll();
      const failed = failures(attempts);
      for (const attempt of failed.slice(0, 3)) {
        log(`  failed: ${attempt.outcome} ${attempt.statusCode} ${attempt.message}`);
      }
      results.push({ bound, seconds, gdsCpu: gdsCpuSeconds, failed: failed.length });
    }
  }

  const baseline = median(results.filter((result) => result.bound === bounds[0]));
  console.log(`Push a new trust list to ${targetCount} targets (${processes} target processes)`);
  console.log("bound  seconds  speed-up  gds-cpu-s  failed");
  for (const bound of bounds) {
    const own = results.filter((result) => result.bound === bound);
    const seconds = median(own);
    const failed = own.reduce((sum, result) => sum + result.failed, 0);
    const gdsCpu = median(own.map((result) => ({ seconds: result.gdsCpu })));
    console.log(`${String(bound).padStart(5)}  ${seconds.toFixed(2).padStart(7)}  `
      + `${(baseline / seconds).toFixed(2).padStart(8)}  ${gdsCpu.toFixed(2).padStart(9)}  `
      + `${String(failed).padStart(6)}`);
  }
} finally {
  await spawned.stop();
  await fixture.dispose();
}
process.exit(0);

function median(values: Array<{ seconds: number }>): number {
  const sorted = values.map((value) => value.seconds).sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle]!;
  return ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}
