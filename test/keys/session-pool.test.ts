import { describe, expect, it } from "vitest";
import { GdsError } from "../../src/core/errors.js";
import { Pkcs11SessionPool } from "../../src/keys/pkcs11-session-pool.js";

function sessions(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.from([i]));
}

/** A promise the test settles by hand, so no test waits on a clock. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** Lets every promise that can settle do so; a turn of the event loop, not a sleep. */
function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe("Pkcs11SessionPool", () => {
  it("runs at most pool-size operations at once, each on a session of its own", async () => {
    const pool = new Pkcs11SessionPool(sessions(3));
    const gates = Array.from({ length: 8 }, deferred);
    const held = new Set<Buffer>();
    let running = 0;
    let highest = 0;

    const operations = gates.map((gate) =>
      pool.use(async (session) => {
        expect(held.has(session)).toBe(false);
        held.add(session);
        running++;
        highest = Math.max(highest, running);
        await gate.promise;
        running--;
        held.delete(session);
      }),
    );
    await settled();
    expect(running).toBe(3);
    for (const gate of gates) {
      gate.resolve();
      await settled();
      expect(running).toBeLessThanOrEqual(3);
    }
    await Promise.all(operations);

    expect(highest).toBe(3);
  });

  it("serves waiting callers in arrival order", async () => {
    const pool = new Pkcs11SessionPool(sessions(1));
    const gate = deferred();
    const order: number[] = [];

    const first = pool.use(() => gate.promise.then(() => order.push(0)));
    const rest = [1, 2, 3].map((n) => pool.use(() => order.push(n)));
    gate.resolve();
    await Promise.all([first, ...rest]);

    expect(order).toEqual([0, 1, 2, 3]);
  });

  it("returns the session when an operation fails", async () => {
    const pool = new Pkcs11SessionPool(sessions(1));

    await expect(pool.use(() => Promise.reject(new Error("token said no")))).rejects.toThrow();

    await expect(pool.use(() => "next")).resolves.toBe("next");
  });

  it("drain waits for accepted operations, queued ones too, then refuses new ones", async () => {
    const pool = new Pkcs11SessionPool(sessions(1));
    const gate = deferred();
    const finished: string[] = [];
    const running = pool.use(() => gate.promise.then(() => finished.push("running")));
    const queued = pool.use(() => finished.push("queued"));

    const drained = pool.drain().then(() => finished.push("drained"));
    gate.resolve();
    await Promise.all([running, queued, drained]);

    expect(finished).toEqual(["running", "queued", "drained"]);
    const refused = pool.use(() => "too late");
    await expect(refused).rejects.toBeInstanceOf(GdsError);
    await expect(refused).rejects.toMatchObject({ code: "Internal" });
  });
});
