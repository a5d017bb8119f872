import { inspect } from "node:util";
import pkcs11js from "pkcs11js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GdsError } from "../../src/core/errors.js";
import { createLogger } from "../../src/log/logger.js";
import { openHsm, type Hsm } from "../../src/keys/hsm.js";
import type { RawSigningHandle } from "../../src/keys/pkcs11-token.js";
import type { SecretSealer } from "../../src/keys/secret-sealer.js";
import { tempDataDir } from "./temp-data-dir.js";

const lines: string[] = [];
const log = createLogger({ level: "trace", destination: { write: (line) => lines.push(line) } });
const secret = Buffer.from("-----BEGIN PRIVATE KEY----- 8c1f5a0e7d93 -----END PRIVATE KEY-----");
const requestId = "ns=1;g=5f1c2a9e-0b7d-4e63-9a41-2c8d7e6f1b30";

/** The error a promise rejects with, or a failure when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<GdsError> {
  const outcome = await promise.then(
    () => new Error("expected a rejection"),
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(GdsError);
  return outcome as GdsError;
}

/** The sealed value with one byte of its IV (part 1) or ciphertext and tag (part 2) flipped. */
function flipped(sealed: string, part: 1 | 2, index: number): string {
  const parts = sealed.split(".");
  const bytes = Buffer.from(parts[part]!, "base64url");
  bytes[(index + bytes.length) % bytes.length]! ^= 0x01;
  parts[part] = bytes.toString("base64url");
  return parts.join(".");
}

// One HSM open at a time for the whole file: SOFTHSM2_CONF is process-wide.
describe("the secret sealer", () => {
  let dataDir: Awaited<ReturnType<typeof tempDataDir>>;
  let hsm: Hsm;
  let sealer: SecretSealer;

  beforeAll(async () => {
    dataDir = await tempDataDir();
    hsm = await openHsm({ dataDir: dataDir.path, log });
    sealer = await hsm.secretSealer();
  });

  afterAll(async () => {
    await hsm?.close();
    await dataDir?.remove();
  });

  it("opens what it sealed, given the same associatedData", async () => {
    const sealed = await sealer.seal(secret, requestId);

    expect(sealed).toMatch(/^v1\.[\w-]{16}\.[\w-]+$/);
    expect(await sealer.open(sealed, requestId)).toEqual(secret);
  });

  it("seals the same secret differently each time (a fresh IV per seal)", async () => {
    const [first, second] = await Promise.all([1, 2].map(() => sealer.seal(secret, requestId)));

    expect(first).not.toBe(second);
  });

  it("refuses a value moved to another record (different associatedData)", async () => {
    const sealed = await sealer.seal(secret, requestId);

    const error = await rejection(sealer.open(sealed, `${requestId}0`));

    expect(error).toMatchObject({ code: "Internal", message: "sealed secret cannot be opened" });
  });

  it.each([
    ["the IV", 1, 0],
    ["the ciphertext", 2, 0],
    ["the tag", 2, -1],
  ] as const)("refuses a value with one bit of %s flipped", async (_name, part, index) => {
    const sealed = await sealer.seal(secret, requestId);

    const error = await rejection(sealer.open(flipped(sealed, part, index), requestId));

    expect(error).toMatchObject({ code: "Internal", message: "sealed secret cannot be opened" });
  });

  it("refuses garbage with the same error, never echoing the value", async () => {
    const sealed = await sealer.seal(secret, requestId);
    const [, iv, ciphertext] = sealed.split(".");
    const garbage = [
      "",
      "v1",
      `v2.${iv}.${ciphertext}`,
      `v1.${iv}.${ciphertext}.extra`,
      `v1.${iv}.${ciphertext}=`,
      `v1.${iv}.${ciphertext!.slice(0, 20)}`,
      `v1.${iv!.slice(1)}.${ciphertext}`,
      `v1.${iv}.${"A".repeat(200_000)}`,
    ];

    for (const value of garbage) {
      const error = await rejection(sealer.open(value, requestId));
      expect(error).toMatchObject({ code: "Internal", message: "sealed secret cannot be opened" });
      if (value.length > 3) expect(inspect(error, { depth: 10 })).not.toContain(value);
    }
  });

  it("opens only with the key it was sealed with", async () => {
    const other = await hsm.secretSealer("another-seal");
    const sealed = await sealer.seal(secret, requestId);

    const error = await rejection(other.open(sealed, requestId));

    expect(error.message).toBe("sealed secret cannot be opened");
  });

  it.each([
    ["an empty secret", Buffer.alloc(0), requestId],
    ["a secret over 64 KiB", Buffer.alloc(64 * 1024 + 1), requestId],
    ["a string instead of bytes", "secret" as unknown as Buffer, requestId],
    ["empty associatedData", secret, ""],
  ])("refuses to seal %s with InvalidArgument", async (_name, plaintext, associatedData) => {
    const error = await rejection(sealer.seal(plaintext, associatedData));

    expect(error.code).toBe("InvalidArgument");
  });

  it("round-trips 200 concurrent seals and opens, each with its own record", async () => {
    const records = Array.from({ length: 200 }, (_, i) => ({
      requestId: `request-${i}`,
      secret: Buffer.from(`secret number ${i} `.repeat(1 + (i % 50))),
    }));

    const opened = await Promise.all(
      records.map(async (record) => {
        const sealed = await sealer.seal(record.secret, record.requestId);
        return { sealed, plaintext: await sealer.open(sealed, record.requestId) };
      }),
    );

    opened.forEach(({ plaintext }, i) => expect(plaintext).toEqual(records[i]!.secret));
    expect(new Set(opened.map(({ sealed }) => sealed.split(".")[1])).size).toBe(200);
  });

  describe("its key", () => {
    let raw: RawSigningHandle;
    let key: Buffer;

    // The raw handle is the test hook for a session of its own; it needs an RSA key to exist.
    beforeAll(async () => {
      await hsm.caSigner();
      raw = await hsm.rawSigningHandle();
      raw.pkcs11.C_FindObjectsInit(raw.session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_LABEL, value: "seal" },
      ]);
      const found = raw.pkcs11.C_FindObjects(raw.session, 2);
      raw.pkcs11.C_FindObjectsFinal(raw.session);
      expect(found).toHaveLength(1);
      key = found[0]!;
    });

    function attribute(type: number): Buffer {
      return raw.pkcs11.C_GetAttributeValue(raw.session, key, [{ type }])[0]!.value as Buffer;
    }
    const flag = (type: number) => attribute(type).some((byte) => byte !== 0);

    it("is a sensitive, never extractable AES-256 token key for encryption only", () => {
      expect(attribute(pkcs11js.CKA_KEY_TYPE).readUInt32LE(0)).toBe(pkcs11js.CKK_AES);
      expect(attribute(pkcs11js.CKA_VALUE_LEN).readUInt32LE(0)).toBe(32);
      for (const type of [
        pkcs11js.CKA_TOKEN,
        pkcs11js.CKA_PRIVATE,
        pkcs11js.CKA_SENSITIVE,
        pkcs11js.CKA_ALWAYS_SENSITIVE,
        pkcs11js.CKA_NEVER_EXTRACTABLE,
        pkcs11js.CKA_ENCRYPT,
        pkcs11js.CKA_DECRYPT,
      ]) {
        expect(flag(type)).toBe(true);
      }
      for (const type of [
        pkcs11js.CKA_EXTRACTABLE,
        pkcs11js.CKA_WRAP,
        pkcs11js.CKA_UNWRAP,
        pkcs11js.CKA_SIGN,
        pkcs11js.CKA_VERIFY,
        pkcs11js.CKA_DERIVE,
      ]) {
        expect(flag(type)).toBe(false);
      }
    });

    it("refuses to reveal CKA_VALUE with CKR_ATTRIBUTE_SENSITIVE", () => {
      const read = () => attribute(pkcs11js.CKA_VALUE);

      expect(read).toThrow(pkcs11js.Pkcs11Error);
      expect(read).toThrow("CKR_ATTRIBUTE_SENSITIVE");
    });
  });

  it("opens after close and reopen what was sealed before, with the same key", async () => {
    const sealed = await sealer.seal(secret, requestId);

    await hsm.close();
    hsm = await openHsm({ dataDir: dataDir.path, log });
    sealer = await hsm.secretSealer();

    expect(await sealer.open(sealed, requestId)).toEqual(secret);
  });

  it("generates one key when two callers ask for a new sealer at once", async () => {
    const [first, second] = await Promise.all([
      hsm.secretSealer("fresh"),
      hsm.secretSealer("fresh"),
    ]);

    // A second key with the label would make the lookup fail with InvalidState.
    const third = await hsm.secretSealer("fresh");
    const sealed = await first.seal(secret, requestId);
    expect(await second.open(sealed, requestId)).toEqual(secret);
    expect(await third.open(sealed, requestId)).toEqual(secret);
  });

  it("logs the key generation and never a secret or a sealed value", async () => {
    const sealed = await sealer.seal(secret, requestId);
    await rejection(sealer.open(flipped(sealed, 2, 0), requestId));
    const output = lines.join("");

    expect(output).toContain("secret key generated in the HSM");
    for (const text of [secret.toString(), secret.toString("base64"), sealed.split(".")[2]!]) {
      expect(output).not.toContain(text);
    }
  });
});
