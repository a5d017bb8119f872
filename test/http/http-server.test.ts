import { once } from "node:events";
import { connect, type Socket } from "node:net";
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

describe("HTTP direct routes", () => {
  async function serverWith(answer: (body: Buffer) => Promise<Buffer>) {
    const { lines, log } = capturedLogger();
    const server = new HttpServer({ host: "127.0.0.1", port: 0, httpsPort: 0, log });
    servers.push(server);
    const seen: string[] = [];
    server.register({
      name: "probe",
      listeners: ["http"],
      direct: [{ paths: ["/echo"], contentType: "application/x-probe",
        bodyLimit: 16, answer: async (body) => {
          seen.push("direct");
          return { contentType: "application/x-answer", body: await answer(body) };
        } }],
      plugin: async (app) => {
        app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) =>
          done(null, body));
        app.post("/echo", async (_request, reply) => {
          seen.push("fastify");
          return reply.code(415).send({ error: "not for the direct route" });
        });
      },
    });
    return { url: await server.startHttp(), lines, seen };
  }

  const post = (url: string, type: string, body: BodyInit) =>
    fetch(`${url}/echo`, { method: "POST", headers: { "Content-Type": type }, body,
      duplex: "half" } as RequestInit);

  it("answers a whole body of its media type itself and logs it like any request", async () => {
    const { url, lines, seen } = await serverWith(async (body) => Buffer.from(body.reverse()));
    const response = await post(url, "Application/X-Probe; charset=binary", "abc");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-answer");
    expect(await response.text()).toBe("cba");
    expect(seen).toEqual(["direct"]);
    const access = lines.filter((line) => line.msg === "request completed");
    expect(access.map((line) => [line.method, line.url, line.statusCode])).toEqual([
      ["POST", "/echo", 200]]);
  });

  it("leaves other types, sizes, streamed bodies and paths to fastify", async () => {
    const { url, seen } = await serverWith(async (body) => body);
    expect((await post(url, "text/plain", "abc")).status).toBe(415);
    expect((await post(url, "application/x-probe", "x".repeat(17))).status).toBe(415);
    const streamed = new ReadableStream({ start(controller) {
      controller.enqueue(new TextEncoder().encode("abc"));
      controller.close();
    } });
    expect((await post(url, "application/x-probe", streamed)).status).toBe(415);
    expect((await fetch(`${url}/echo?x=1`, { method: "POST",
      headers: { "Content-Type": "application/x-probe" }, body: "abc" })).status).toBe(415);
    expect(seen).toEqual(["fastify", "fastify", "fastify", "fastify"]);
  });

  it("answers 500 when the route fails, and keeps serving", async () => {
    let fail = true;
    const { url, lines } = await serverWith(async (body) => {
      if (fail) throw new Error("route broke");
      return body;
    });
    expect((await post(url, "application/x-probe", "abc")).status).toBe(500);
    fail = false;
    expect(await (await post(url, "application/x-probe", "abc")).text()).toBe("abc");
    const failed = lines.find((line) => line.statusCode === 500)!;
    expect(failed.level).toBe(50);
    expect((failed.err as { message: string }).message).toBe("route broke");
  });
});

describe("HTTP connection limits", () => {
  const limits = { idleMs: 400, requestMs: 300, keepAliveMs: 200, maxConnections: 2 };

  async function serverWith() {
    const { log } = capturedLogger();
    const server = new HttpServer({ host: "127.0.0.1", port: 0, httpsPort: 0, log, limits });
    server.register({ name: "probe", listeners: ["http"],
      plugin: async (app) => { app.post("/echo", async (request) => request.body); } });
    const url = new URL(await server.startHttp());
    return { server, port: Number(url.port) };
  }

  function halfSentRequest(port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          + "Content-Length: 8000\r\n\r\n{\"a\":");
        socket.resume(); // reads what the server answers (408), as a client would
        resolve(socket);
      });
      socket.on("error", () => undefined);
      socket.once("error", reject);
    });
  }

  it("closes a client that never finishes its request", async () => {
    const { server, port } = await serverWith();
    servers.push(server);
    const socket = await halfSentRequest(port);
    await once(socket, "close");
  });

  it("closes a client that keeps trickling a request past the request time", async () => {
    const { server, port } = await serverWith();
    servers.push(server);
    const socket = await halfSentRequest(port);
    // A byte well within the idle limit each time: only the request time limit can end it.
    const trickle = setInterval(() => {
      if (socket.writable) socket.write("1");
    }, limits.idleMs / 4);
    try {
      await once(socket, "close");
    } finally {
      clearInterval(trickle);
    }
  });

  it("refuses sockets beyond the connection bound and stops without waiting for slow ones",
    async () => {
      const { server, port } = await serverWith();
      const held = [await halfSentRequest(port), await halfSentRequest(port)];
      const third = await halfSentRequest(port);
      await once(third, "close");

      // stop() resolves (it would hang on the held sockets otherwise) and closes them.
      const closed = held.map((socket) => once(socket, "close"));
      await server.stop();
      await Promise.all(closed);
    });
});
