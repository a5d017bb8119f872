/**
 * The load generator of bench/ocsp.ts, in a worker thread so that it does not share an event
 * loop with the responder it measures (plain JavaScript: a worker cannot load TypeScript through
 * tsx on Node 20). A minimal HTTP/1.1 client on raw sockets: keep-alive, `concurrency`
 * connections each with one request in flight, a random serial per request, no nonce. It is
 * deliberately cheap so that it measures the server, not node:http's client; a server that
 * closes the connection (openssl ocsp does, unless asked otherwise) gets a new one.
 */
import { connect } from "node:net";
import { parentPort, workerData } from "node:worker_threads";

/** @param {Buffer} body */
function ocspStatus(body) {
  // OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, ... }
  const header = (body[1] & 0x80) !== 0 ? 2 + (body[1] & 0x7f) : 2;
  return body[header] === 0x0a && body[header + 1] === 1 ? body[header + 2] : -1;
}

/** @param {import("./ocsp.ts").LoadJob} job */
async function run(job) {
  const target = new URL(job.url);
  const result = { answers: 0, successful: 0, failures: 0, elapsedMs: 0 };
  const encoded = job.requests.map((body) => Buffer.concat([Buffer.from(
    `POST ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\n` +
    "Content-Type: application/ocsp-request\r\nConnection: keep-alive\r\n" +
    `Content-Length: ${body.length}\r\n\r\n`, "latin1"), Buffer.from(body)]));
  const started = performance.now();
  const deadline = started + job.durationMs;
  let next = 0;
  const pick = () => {
    if (performance.now() >= deadline) return undefined;
    if (!job.everySerialOnce) return encoded[Math.floor(Math.random() * encoded.length)];
    return next < encoded.length ? encoded[next++] : undefined;
  };

  const connection = () => new Promise((resolve) => {
    const socket = connect(Number(target.port), target.hostname);
    socket.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    let closing = false;
    const send = () => {
      const request = pick();
      if (!request) {
        socket.destroy();
        return resolve(true);
      }
      socket.write(request);
    };
    socket.on("connect", send);
    socket.on("data", (chunk) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = buffered.subarray(0, end).toString("latin1");
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? -1);
      if (length < 0 || buffered.length < end + 4 + length) return;
      const body = buffered.subarray(end + 4, end + 4 + length);
      buffered = buffered.subarray(end + 4 + length);
      result.answers += 1;
      if (/^HTTP\/1\.[01] 200/.test(head) && ocspStatus(body) === 0) result.successful += 1;
      closing = /connection: *close/i.test(head) || head.startsWith("HTTP/1.0");
      if (closing) {
        socket.destroy();
        return resolve(false);
      }
      send();
    });
    socket.on("error", () => {
      result.failures += 1;
      resolve(false);
    });
    socket.on("close", () => resolve(false));
  });

  const loop = async () => {
    while (performance.now() < deadline) {
      if (await connection()) return;
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, loop));
  result.elapsedMs = performance.now() - started;
  return result;
}

if (parentPort) {
  const port = parentPort;
  void run(workerData).then((result) => port.postMessage(result));
}
