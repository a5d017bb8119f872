/**
 * Section 4, QueryApplications over a large directory. N applications are registered straight
 * through the nedb store the GDS will use (RecordId from the counter, then insert, 64 in
 * flight); then the GDS starts on 127.0.0.1 and loads them. Timed, as medians of repeated calls:
 * - in-process: ApplicationQuery (the logic behind the OPC UA method, no encoding), pages of
 *   100 and 1000 from RecordId 0 and from the middle, a whole walk in pages of 1000, and
 *   filters that must scan (a capability only the last record has, a name pattern);
 * - over OPC UA: QueryApplications by an anonymous SignAndEncrypt session, pages of 1, 100,
 *   1000 (the server's cap), and the whole directory walked in pages of 1000.
 * Memory: heapUsed and RSS of this process before the directory is filled, with it loaded, and
 * after all the queries, each after a full garbage collection.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { MessageSecurityMode } from "node-opcua";
import { startGds } from "../src/app/gds.js";
import { GdsClient, type ApplicationQueryOptions } from "../src/client/gds-client.js";
import { loadSettings } from "../src/config/settings.js";
import { systemClock } from "../src/core/clock.js";
import type { ApplicationRecord } from "../src/core/records.js";
import { ApplicationQuery, type QueryApplicationsInput } from "../src/gds/application-query.js";
import { openNedbStore } from "../src/store/nedb-store.js";
import { benchAdminPassword } from "./enrolment.js";
import { mebibytes } from "./report.js";
import { median } from "./rounds.js";
import type { SectionContext } from "./section-context.js";

interface Memory {
  heapMiB: number;
  rssMiB: number;
}

export async function querySection(context: SectionContext): Promise<void> {
  const { report, counts } = context;
  const count = counts.applications;
  report.section("query", `4. QueryApplications over ${count} registered applications`);
  const dataDir = await mkdtemp(join(tmpdir(), "sh-bench-query-"));
  try {
    const before = memory();
    context.progress(`registering ${count} applications in nedb`);
    const started = performance.now();
    await fill(join(dataDir, "store"), count);
    report.figure("fillSeconds", "filling the store (not the product's path)",
      (performance.now() - started) / 1000, "s");

    // The GDS and everything that refers to it live in queries(), so that nothing of it is
    // referenced any more when the last memory reading is taken.
    const loaded = await queries(context, dataDir, count);
    const after = memory();
    report.note("memory of this process (heapUsed / RSS):");
    const row = (key: string, label: string, value: Memory) => report.figure(`memory.${key}`,
      `  ${label}`, value.heapMiB, "MiB heap", `RSS ${value.rssMiB.toFixed(0)} MiB`);
    row("before", "before filling the store", before);
    row("loaded", "GDS running with the directory loaded", loaded);
    row("after", "after the queries and the GDS stopped", after);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Starts the GDS on the filled store, times the queries, stops it; memory while it ran. */
async function queries(context: SectionContext, dataDir: string, count: number): Promise<Memory> {
  const { report, log } = context;
  const settings = await loadSettings({
    dataDir, host: "127.0.0.1", hostname: "127.0.0.1", port: 0,
  });
  context.progress("starting the GDS on the directory");
  const started = performance.now();
  const running = await startGds(settings, log, { adminPassword: benchAdminPassword });
  report.figure("gdsStartSeconds", "startGds with the directory (nedb loads it all)",
    (performance.now() - started) / 1000, "s");
  const loaded = memory();
  try {
    context.progress("queries in-process");
    const query = new ApplicationQuery(running.store.applications, systemClock);
    const page = (input: Partial<QueryApplicationsInput>) => query.queryApplications({
      startingRecordId: 0, maxRecordsToReturn: 100, ...input });
    const middle = Math.floor(count / 2);
    const core = {
      page100: await timed(() => page({})),
      page100Middle: await timed(() => page({ startingRecordId: middle })),
      page1000: await timed(() => page({ maxRecordsToReturn: 1000 }), 11),
      page1000Middle: await timed(() =>
        page({ startingRecordId: middle, maxRecordsToReturn: 1000 }), 11),
      walkPer1000: await walk(async (next) =>
        (await page({ startingRecordId: next, maxRecordsToReturn: 1000 })).nextRecordId),
      scanCapability: await timed(() => page({ serverCapabilities: ["HD"] }), 3),
      scanNamePattern: await timed(() => page({ applicationName: "Machine %00" }), 3),
    };
    const rows: Array<[keyof typeof core, string]> = [
      ["page100", "page of 100 from RecordId 0"],
      ["page100Middle", "page of 100 from the middle"],
      ["page1000", "page of 1000 from RecordId 0"],
      ["page1000Middle", "page of 1000 from the middle"],
      ["walkPer1000", "whole directory in pages of 1000, per page"],
      ["scanCapability", "capability only the last record has (full scan)"],
      ["scanNamePattern", "ApplicationName 'Machine %00' (1 in 100), page of 100"],
    ];
    report.note("in-process (ApplicationQuery, no encoding):");
    for (const [key, label] of rows) {
      report.figure(`inProcessMs.${key}`, `  ${label}`, core[key], "ms");
    }

    context.progress("queries over OPC UA");
    const client = await GdsClient.connect({
      endpointUrl: running.endpointUrl,
      pkiDir: join(dataDir, "client-pki"),
      securityMode: MessageSecurityMode.SignAndEncrypt,
      authority: {
        certificate: running.authority.certificate(), crl: running.authority.crl(),
      },
    });
    try {
      const call = async (options: ApplicationQueryOptions) => {
        const result = await client.queryApplications(options);
        if (result.statusCode.isNotGood()) throw new Error(result.statusCode.name);
        return result.outputs[1] as number;
      };
      const opcUa = {
        page1: await timed(() => call({ maxRecordsToReturn: 1 })),
        page100: await timed(() => call({ maxRecordsToReturn: 100 })),
        page1000: await timed(() => call({ maxRecordsToReturn: 1000 }), 11),
        walkPer1000: await walk((next) =>
          call({ startingRecordId: next, maxRecordsToReturn: 1000 })),
      };
      report.note("over OPC UA (anonymous, SignAndEncrypt, one call at a time):");
      report.figure("opcUaMs.page1", "  page of 1 (the cost of a call)", opcUa.page1, "ms");
      report.figure("opcUaMs.page100", "  page of 100", opcUa.page100, "ms");
      report.figure("opcUaMs.page1000", "  page of 1000", opcUa.page1000, "ms");
      report.figure("opcUaMs.walkPer1000", "  whole directory in pages of 1000, per page",
        opcUa.walkPer1000, "ms");
      report.ratio("opcUaToInProcess100", "OPC UA / in-process, page of 100",
        opcUa.page100, core.page100);
      report.ratio("opcUaToInProcess1000", "OPC UA / in-process, page of 1000",
        opcUa.page1000, core.page1000);
      report.ratio("page1000ToPage100", "OPC UA page of 1000 / page of 100",
        opcUa.page1000, opcUa.page100, "10 would be linear in the records returned");
    } finally {
      await client.close();
    }
  } finally {
    await running.stop();
  }
  return loaded;
}

async function fill(storeDir: string, count: number): Promise<void> {
  const store = await openNedbStore(storeDir);
  const now = new Date();
  let next = 0;
  const worker = async () => {
    for (let n = next++; n < count; n = next++) {
      const recordId = await store.applications.nextRecordId(now);
      await store.applications.insert({ ...machine(n, count, now), recordId });
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  await store.close();
}

function machine(n: number, count: number, now: Date): ApplicationRecord {
  return {
    applicationId: `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`,
    applicationUri: `urn:bench:machine:${n}`,
    applicationType: n % 10 === 0 ? 2 : 0,
    applicationNames: [{ locale: "en", text: `Machine ${n}` }],
    productUri: "urn:bench:product",
    discoveryUrls: [`opc.tcp://machine-${n}.plant.example:4840`],
    serverCapabilities: n === count - 1 ? ["DA", "HD"] : ["DA"],
    registeredAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
}

async function timed(call: () => Promise<unknown>, calls = 21): Promise<number> {
  await call(); // warm-up: the first call also compiles the code paths
  const times: number[] = [];
  for (let n = 0; n < calls; n += 1) {
    const before = performance.now();
    await call();
    times.push(performance.now() - before);
  }
  return median(times);
}

/** Follows NextRecordId from 0 to the end; mean ms per page. */
async function walk(page: (startingRecordId: number) => Promise<number>): Promise<number> {
  const started = performance.now();
  let pages = 0;
  let next = 0;
  do {
    next = await page(next);
    pages += 1;
  } while (next !== 0);
  return (performance.now() - started) / pages;
}

// A full GC before each reading, so that heapUsed counts what is still referenced; the bench
// runs without --expose-gc, so the flag is set now and gc taken from a fresh context.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

function memory(): Memory {
  collectGarbage();
  const usage = process.memoryUsage();
  return { heapMiB: mebibytes(usage.heapUsed), rssMiB: mebibytes(usage.rss) };
}
