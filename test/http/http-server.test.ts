import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { HttpServer } from "../../src/http/http-server.js";
import { createLogger } from "../../src/log/logger.js";

function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { lines, log: createLogger({ level: "debug", destination: sink }) };
}

const servers: HttpServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});

describe("HTTP server", () => {
  it("logs one access line per request, its level following the status", async () => {
    const { lines, log } = capturedLogger();
    const server = new HttpServer({ host: "127.0.0.1", port: 0, httpsPort: 0, log });
    servers.push(server);
    server.register({
      name: "probe",
      listeners: ["http"],
      plugin: async (app) => {
        app.get("/ok", async () => "ok");
        app.get("/fails", async () => {
          throw new Error("boom");
        });
      },
    });
    const url = await server.startHttp();

    expect((await fetch(`${url}/ok`)).status).toBe(200);
    expect((await fetch(`${url}/missing`)).status).toBe(404);
    expect((await fetch(`${url}/fails`)).status).toBe(500);

    const access = lines.filter((line) => line.msg === "request completed");
    expect(access.map((line) => [line.url, line.statusCode, line.level])).toEqual([
      ["/ok", 200, 30], ["/missing", 404, 40], ["/fails", 500, 50],
    ]);
    expect(access.every((line) => line.listener === "http")).toBe(true);
    expect((access[2]!.err as { message: string }).message).toBe("boom");
    expect(lines.filter((line) => line.level === 50)).toHaveLength(1);
  });

  it("refuses routes for a listener that already runs", async () => {
    const { log } = capturedLogger();
    const server = new HttpServer({ host: "127.0.0.1", port: 0, httpsPort: 0, log });
    servers.push(server);
    await server.startHttp();
    expect(() => server.register({ name: "late", listeners: ["http"], plugin: async () => {} }))
      .toThrow(/before their listener starts/);
    expect(() => server.register({ name: "tls", listeners: ["https"], plugin: async () => {} }))
      .not.toThrow();
  });
});
