import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { profiled } from "./cpu-profile.js";
import { startGds, type RunningGds } from "../src/app/gds.js";
import { loadSettings } from "../src/config/settings.js";
import { hashPassword, verifyPassword } from "../src/identity/password-hash.js";
import { auditAppendMs } from "./audit-append.js";
import { ClientProcesses } from "./client-processes.js";
import type { EnrolmentTimes } from "./enrolment-client.js";
import { pooledBaseline } from "./raw-signing.js";
import { median, percentile, withTimeout } from "./rounds.js";
import type { SectionContext } from "./section-context.js";

export const benchAdminPassword = "bench password, used only on 127.0.0.1";
const stepTimeoutMs = 300_000;

/** CPU of this process (the GDS's) and wall time of one lock-step phase of all clients. */
async function phase<T>(work: () => Promise<T>) {
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const utilisation = performance.eventLoopUtilization(loop).utilization;
  return { result, seconds, gdsCpuMs: (used.user + used.system) / 1000, utilisation };
}

/**
 * Section 3: a real GDS in this process on 127.0.0.1 (port 0, temporary data directory) and
 * `clients` node-opcua clients, each in its own process with one SignAndEncrypt session as
 * admin, every one enrolling new applications one after another: RegisterApplication,
 * StartSigningRequest, FinishRequest. Sessions are timed first, on their own.
 */
export async function e2eSection(context: SectionContext): Promise<void> {
  const { report, counts } = context;
  // Before the GDS runs, so that the baseline has the machine to itself as in section 1.
  const baseline = await pooledBaseline(context);
  const auditMs = await auditAppendMs(context, 10);
  const clients = counts.clients;
  report.section("e2e", `3. End-to-end pull enrolment over OPC UA, ${clients} client processes`);

  const dataDir = await mkdtemp(join(tmpdir(), "sh-bench-e2e-"));
  let gds: RunningGds | undefined;
  let processes: ClientProcesses | undefined;
  try {
    context.progress("starting the GDS");
    const settings = await loadSettings({
      dataDir, host: "127.0.0.1", hostname: "127.0.0.1", port: 0,
    });
    gds = await withTimeout(startGds(settings, context.log, { adminPassword: benchAdminPassword }),
      stepTimeoutMs, "starting the GDS");
    const running = gds;

    context.progress(`${clients} client processes: CSRs and client certificates`);
    processes = ClientProcesses.start(clients, stepTimeoutMs);
    const perClient = counts.enrolmentsPerClient;
    await processes.all((index) => ({ type: "prepare", options: {
      endpointUrl: running.endpointUrl,
      authority: { certificate: running.authority.certificate(), crl: running.authority.crl() },
      adminPassword: benchAdminPassword,
      workDir: dataDir,
      index,
      enrolments: 1 + counts.rounds * perClient,
    } }), "prepared");

    context.progress("sessions");
    const children = processes;
    const perSession = counts.sessionsPerClient;
    const sessions = await phase(() =>
      children.all(() => ({ type: "sessions", count: perSession }), "sessionsDone"));
    const sessionTimes = sessions.result.flatMap((answer) => answer.times);
    const sessionCount = clients * perSession;
    report.figure("sessionsPerSecond", `sessions opened and closed, ${clients} clients at once`,
      sessionCount / sessions.seconds, "session/s", `${sessionCount} sessions`);
    report.figure("sessionP50Ms", "  session setup p50 (connect, CreateSession, Activate)",
      percentile(sessionTimes, 0.5), "ms");
    report.figure("sessionP95Ms", "  session setup p95", percentile(sessionTimes, 0.95), "ms");
    report.figure("sessionGdsCpuMs", "  GDS process CPU per session",
      sessions.gdsCpuMs / sessionCount, "ms");
    report.figure("passwordCheckMs", "  of which the admin password check (scrypt), alone",
      await passwordCheckMs(), "ms", "deliberately slow, once per session");

    context.progress("enrolments");
    await children.all(() => ({ type: "open" }), "opened");
    await children.all(() => ({ type: "enrol", count: 1 }), "enrolled");
    const rates: number[] = [];
    const gdsCpu: number[] = [];
    const clientCpu: number[] = [];
    const utilisation: number[] = [];
    const times: EnrolmentTimes[] = [];
    for (let round = 0; round < counts.rounds; round++) {
      const measured = await phase(() => profiled(`enrolments-${round + 1}`, () =>
        children.all(() => ({ type: "enrol", count: perClient }), "enrolled")));
      const enrolments = clients * perClient;
      rates.push(enrolments / measured.seconds);
      gdsCpu.push(measured.gdsCpuMs / enrolments);
      clientCpu.push(measured.result.reduce((sum, answer) => sum + answer.cpuMs, 0) / enrolments);
      utilisation.push(measured.utilisation);
      times.push(...measured.result.flatMap((answer) => answer.times));
    }

    const rate = median(rates);
    const rounds = rates.length > 1 ? `rounds ${rates.map((r) => r.toFixed(0)).join(" / ")}` : "";
    report.figure("enrolmentsPerSecond", "enrolments (register + start + finish)", rate,
      "enrol/s", `${clients} x ${perClient} per round ${rounds}`.trimEnd());
    report.ratio("toPooledSigning", "enrolments / raw pooled signing", rate, baseline);
    const whole = times.map((t) => t.registerMs + t.startMs + t.finishMs);
    report.figure("latencyP50Ms", "  enrolment latency p50", percentile(whole, 0.5), "ms");
    report.figure("latencyP95Ms", "  enrolment latency p95", percentile(whole, 0.95), "ms");
    const call = (key: keyof EnrolmentTimes, label: string) => {
      const values = times.map((t) => t[key]);
      report.figure(`${key}P50`, `    ${label} p50 / p95`, percentile(values, 0.5), "ms",
        `p95 ${percentile(values, 0.95).toFixed(1)} ms`);
    };
    call("registerMs", "RegisterApplication");
    call("startMs", "StartSigningRequest (issues)");
    call("finishMs", "FinishRequest");
    report.figure("auditAppendMs",
      "  one audit record appended alone (4 per enrolment, in 3 writes)",
      auditMs, "ms", "fdatasync, seal + head signed, rename");
    report.figure("gdsCpuMsPerEnrolment", "  GDS process CPU per enrolment", median(gdsCpu), "ms");
    report.figure("clientCpuMsPerEnrolment", "  client processes' CPU per enrolment",
      median(clientCpu), "ms", "same 2 cores");
    report.figure("gdsEventLoopUtilisation", "  GDS event loop utilisation",
      median(utilisation), "");
  } finally {
    await processes?.stop();
    await gds?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** What verifying a user's password costs by itself: the scrypt the GDS runs per sign-in. */
async function passwordCheckMs(): Promise<number> {
  const stored = await hashPassword(benchAdminPassword);
  const times: number[] = [];
  for (let n = 0; n < 3; n++) {
    const started = performance.now();
    await verifyPassword(benchAdminPassword, stored);
    times.push(performance.now() - started);
  }
  return median(times);
}
