import { createPublicKey, verify } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GdsError } from "../../src/core/errors.js";
import { openHsm, type Hsm } from "../../src/keys/hsm.js";
import { SigningThreads } from "../../src/keys/pkcs11-signing-threads.js";
import type { Signer } from "../../src/keys/signer.js";
import { createLogger } from "../../src/log/logger.js";
import { tempDataDir } from "./temp-data-dir.js";

const log = createLogger({ level: "silent" });
let dataDir: Awaited<ReturnType<typeof tempDataDir>>;
let hsm: Hsm;
let signer: Signer;

beforeAll(async () => {
  dataDir = await tempDataDir();
  hsm = await openHsm({ dataDir: dataDir.path, sessions: 4, log });
  ({ signer } = await hsm.caSigner("ca", 2048));
});

afterAll(async () => {
  await hsm.close();
  await dataDir.remove();
});

const verifies = (data: Buffer, signature: Buffer) => verify("sha256", data,
  createPublicKey({ key: signer.publicKeyInfo, format: "der", type: "spki" }), signature);

describe("signing threads", () => {
  it("sign in the sessions the main thread opened, many at once", async () => {
    const data = Array.from({ length: 40 }, (_, n) => Buffer.from(`record ${n}`));
    const signatures = await Promise.all(data.map((bytes) => signer.sign(bytes)));
    expect(signatures.every((signature, n) => verifies(data[n]!, signature))).toBe(true);
  });

  it("share every session out to one thread when told to", async () => {
    const { threads, session, privateKey, signatureLength } = await withOneThread();
    try {
      const data = Array.from({ length: 12 }, (_, n) => Buffer.from(`one thread ${n}`));
      const signatures = await Promise.all(data.map((bytes) =>
        threads.sign(session, privateKey, bytes, signatureLength)));
      expect(signatures.every((signature, n) => verifies(data[n]!, signature))).toBe(true);
    } finally {
      await threads.close();
    }
  });

  it("fail a signature the token refuses with its Cryptoki code alone, and go on", async () => {
    const threads = new SigningThreads(hsm.describe().module);
    try {
      const noSuchHandle = Buffer.alloc(8, 0x7f);
      const refused = await threads.sign(noSuchHandle, noSuchHandle, Buffer.from("x"), 256)
        .then(() => undefined, (error: unknown) => error);
      expect(refused).toBeInstanceOf(GdsError);
      expect((refused as GdsError).code).toBe("Internal");
      expect(((refused as GdsError).cause as Error).message).toMatch(/^CKR_[A-Z_]+$/);
    } finally {
      await threads.close();
    }
    const data = Buffer.from("after a refusal");
    expect(verifies(data, await signer.sign(data))).toBe(true);
  });
});

/** A thread pool of one, signing in the raw handle's own session. */
async function withOneThread() {
  const raw = await hsm.rawSigningHandle("ca");
  return { ...raw, threads: new SigningThreads(hsm.describe().module, 1) };
}
