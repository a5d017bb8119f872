/**
 * One enrolment client in a process of its own, so that clients and GDS do not share an event
 * loop (they still share the machine's cores). Started by enrolment.ts with fork(); answers
 * the messages below over the IPC channel, and exits on close or when the parent goes away.
 */
import "../src/log/stack-log-bridge.js";
import { routeStackLogsTo } from "../src/log/stack-log-bridge.js";
import { createLogger } from "../src/log/logger.js";
import {
  EnrolmentClient,
  type EnrolmentClientOptions,
  type EnrolmentTimes,
} from "./enrolment-client.js";

export type ToChild =
  | { type: "prepare"; options: EnrolmentClientOptions }
  | { type: "sessions"; count: number }
  | { type: "open" }
  | { type: "enrol"; count: number }
  | { type: "close" };

export type FromChild =
  | { type: "prepared" }
  | { type: "sessionsDone"; times: number[]; cpuMs: number }
  | { type: "opened" }
  | { type: "enrolled"; times: EnrolmentTimes[]; cpuMs: number }
  | { type: "closed" }
  | { type: "failed"; message: string };

// node-opcua's notices ("Creating default certificate ...") would interleave with the report.
routeStackLogsTo(createLogger({
  level: process.env.BENCH_LOG ? "warn" : "silent",
  destination: { write: (line: string) => void process.stderr.write(line) },
}));

let client: EnrolmentClient | undefined;

function send(message: FromChild): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
}

async function timedCpu<T>(work: () => Promise<T>): Promise<{ result: T; cpuMs: number }> {
  const before = process.cpuUsage();
  const result = await work();
  const used = process.cpuUsage(before);
  return { result, cpuMs: (used.user + used.system) / 1000 };
}

async function handle(message: ToChild): Promise<void> {
  if (message.type === "prepare") {
    // Structured clone turns Buffers into plain Uint8Arrays.
    const { authority } = message.options;
    client = new EnrolmentClient({
      ...message.options,
      authority: { certificate: Buffer.from(authority.certificate),
        crl: Buffer.from(authority.crl) },
    });
    await client.prepare();
    return send({ type: "prepared" });
  }
  if (!client) throw new Error("the client is not prepared");
  const prepared = client;

  switch (message.type) {
    case "sessions": {
      const { result, cpuMs } = await timedCpu(() => prepared.sessions(message.count));
      return send({ type: "sessionsDone", times: result, cpuMs });
    }
    case "open":
      await prepared.open();
      return send({ type: "opened" });
    case "enrol": {
      const { result, cpuMs } = await timedCpu(() => prepared.enrol(message.count));
      return send({ type: "enrolled", times: result, cpuMs });
    }
    case "close":
      await prepared.close();
      await send({ type: "closed" });
      process.exit(0);
  }
}

process.on("message", (message: ToChild) => {
  handle(message).catch(async (error: unknown) => {
    await send({ type: "failed", message: (error as Error)?.stack ?? String(error) });
  });
});
process.on("disconnect", () => process.exit(1));
