/**
 * `npm run bench -- [--quick] [--only raw,issue,e2e,query,crl] [--clients N]`: throughput of
 * the CA and the GDS on this machine, each figure next to a baseline measured in the same run.
 * Figures go to stdout as they are measured, progress to stderr, and the last stdout line is
 * every figure as JSON. README.md ("Performance") says what each figure means.
 */
import "../src/log/stack-log-bridge.js";
import { cpus, loadavg, totalmem } from "node:os";
import { performance } from "node:perf_hooks";
import { routeStackLogsTo } from "../src/log/stack-log-bridge.js";
import { createLogger } from "../src/log/logger.js";
import {
  parseBenchOptions,
  usage,
  type BenchOptions,
  type SectionName,
} from "./bench-options.js";
import { Report } from "./report.js";
import type { SectionContext } from "./section-context.js";

let options: BenchOptions;
try {
  options = parseBenchOptions(process.argv.slice(2));
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}

// Logging would cost more than some of the work measured: silent unless BENCH_LOG is set.
const log = createLogger({
  level: options.verbose ? "warn" : "silent",
  destination: { write: (line: string) => void process.stderr.write(line) },
});
routeStackLogsTo(log);

const startedAt = performance.now();
const elapsed = () => `${((performance.now() - startedAt) / 1000).toFixed(1).padStart(6)} s`;
const report = new Report();
const context: SectionContext = {
  report,
  counts: options.counts,
  log,
  progress: (step) => process.stderr.write(`bench: ${elapsed()} ${step}\n`),
};

// Sections load their modules only when they run: importing node-opcua keeps a core busy for
// a moment, which would disturb the figures of the sections before it.
const sections: Record<SectionName, () => Promise<void>> = {
  raw: async () => (await import("./raw-signing.js")).rawSection(context),
  issue: async () => (await import("./issuance.js")).issueSection(context),
  e2e: async () => (await import("./enrolment.js")).e2eSection(context),
  query: async () => (await import("./query-applications.js")).querySection(context),
  crl: async () => (await import("./crl.js")).crlSection(context),
};

const machine = {
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? "unknown",
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
};
const loadBefore = loadavg()[0]!;
console.log(`Security Handler bench ${new Date().toISOString()}${options.quick ? " (quick)" : ""}`);
console.log(`${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, node ` +
  `${machine.node}, ${machine.platform}; rates are medians of ${options.counts.rounds} ` +
  `round(s)`);
console.log(`load average (1 min) before: ${loadBefore.toFixed(2)}; figures are noisy when it ` +
  `nears ${machine.cores}`);

let failed = false;
for (const name of options.sections) {
  try {
    await sections[name]();
  } catch (error) {
    failed = true;
    report.note(`section ${name} failed: ${(error as Error)?.stack ?? String(error)}`);
  }
}

const loadAfter = loadavg()[0]!;
console.log("");
console.log(`load average (1 min) after: ${loadAfter.toFixed(2)}; whole run ${elapsed().trim()}`);
console.log(report.json({
  timestamp: new Date().toISOString(), quick: options.quick, machine,
  loadAverage: { before: loadBefore, after: loadAfter }, counts: options.counts,
}));
// node-opcua leaves timers behind; everything is closed, so leave without waiting for them.
process.exit(failed ? 1 : 0);
