import type { UAMethod } from "node-opcua";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/logger.js";
import { bindHandler, methodCallsSettled } from "../../src/opcua/method-binding.js";

const log = createLogger({ level: "silent" });

/**
 * A stand-in for a method node, with only what bindHandler touches: the one fault wanted here,
 * a handler that never finishes, is not one a real server can be made to show on demand.
 */
function methodNode(addressSpace: object) {
  let bound: ((args: never[], context: never) => Promise<unknown>) | undefined;
  const node = {
    browseName: { name: "Slow" },
    addressSpace,
    bindMethod: (handler: typeof bound) => { bound = handler; },
  };
  return { node: node as unknown as UAMethod, call: () => bound!([], {} as never) };
}

describe("stop's wait for method calls under way", () => {
  it("waits for calls that finish, and answers how many are left after its limit", async () => {
    const addressSpace = {};
    let finish!: () => void;
    const finishing = methodNode(addressSpace);
    bindHandler(finishing.node, log, () => new Promise((resolve) => {
      finish = () => resolve([]);
    }));
    const hanging = methodNode(addressSpace);
    bindHandler(hanging.node, log, () => new Promise(() => undefined));

    const finished = finishing.call();
    void hanging.call();
    const waited = methodCallsSettled(addressSpace, 50);
    finish();
    await finished;
    expect(await waited).toBe(1);
  });

  it("answers at once when no call is under way", async () => {
    const addressSpace = {};
    bindHandler(methodNode(addressSpace).node, log, async () => []);
    expect(await methodCallsSettled(addressSpace, 60_000)).toBe(0);
  });
});
