import { createHash, createPublicKey, verify } from "node:crypto";
import { readFile, stat, writeFile } from "node:fs/promises";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditFiles } from "../../src/audit/audit-files.js";
import { headSignedBytes } from "../../src/audit/audit-head.js";
import { genesisHash, sealedBytes } from "../../src/audit/audit-record.js";
import { verifyAuditLog } from "../../src/audit/audit-verify.js";
import { GdsError } from "../../src/core/errors.js";
import { SoftwareSigner } from "../../src/keys/software-signer.js";
import type { Signer } from "../../src/keys/signer.js";
import {
  openLog,
  readTrail,
  rewriteTrail,
  startTime,
  tempDirectory,
  unsigned,
  writeTrail,
} from "./audit-fixture.js";

let signer: SoftwareSigner;
let directory: Awaited<ReturnType<typeof tempDirectory>>;
const files = () => auditFiles(directory.path);
const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

beforeAll(async () => {
  signer = await SoftwareSigner.generate();
});

beforeEach(async () => {
  directory = await tempDirectory();
});

afterEach(async () => {
  await directory.remove();
});

describe("appending to the audit trail", () => {
  it("writes a record linked to the genesis hash, hashed canonically and signed", async () => {
    const log = await openLog(directory.path, signer);
    const record = await log.append({
      action: "user.created", actor: "admin", details: { userName: "op", roles: ["a", "b"] },
    });
    await log.close();

    // The canonical form written out by hand: RFC 8785 key order, no whitespace.
    const canonical = '{"action":"user.created","actor":"admin","details":{"roles":["a","b"],' +
      `"userName":"op"},"previousHash":"${genesisHash}","seq":1,` +
      `"time":"${startTime.toISOString()}"}`;
    const hash = createHash("sha256").update(canonical).digest("hex");
    expect(record).toMatchObject({
      seq: 1, time: startTime.toISOString(), previousHash: genesisHash,
    });
    expect(record.hash).toBe(hash);
    const key = createPublicKey({ key: signer.publicKeyInfo, format: "der", type: "spki" });
    const signature = Buffer.from(record.signature!, "base64");
    expect(verify("sha256", sealedBytes(1, hash), key, signature)).toBe(true);
    expect(await readTrail(directory.path)).toEqual([record]);
    const head = JSON.parse(await readFile(files().head, "utf8"));
    expect(head).toMatchObject({ seq: 1, hash });
    // The head says "ends here", the seal "reaches here": neither signature stands for the other.
    const headSignature = Buffer.from(head.signature, "base64");
    expect(verify("sha256", headSignedBytes(1, hash), key, headSignature)).toBe(true);
    expect(verify("sha256", headSignedBytes(1, hash), key, signature)).toBe(false);
  });

  it("keeps the trail and head owner-only and publishes the audit public key", async () => {
    const log = await openLog(directory.path, signer);
    await log.append({ action: "crl.published", actor: "system", details: { crlNumber: "2" } });
    await log.close();

    expect(await modeOf(directory.path)).toBe(0o700);
    expect(await modeOf(files().log)).toBe(0o600);
    expect(await modeOf(files().head)).toBe(0o600);
    const pem = await readFile(files().publicKey, "utf8");
    const der = createPublicKey(pem).export({ type: "spki", format: "der" });
    expect(der.equals(signer.publicKeyInfo)).toBe(true);
  });

  it("builds a chain in which each record links to the one before, and it verifies", async () => {
    await writeTrail(directory.path, signer, 5);

    const records = await readTrail(directory.path);
    expect(records.map((record) => record.seq)).toEqual([1, 2, 3, 4, 5]);
    for (let index = 1; index < records.length; index += 1) {
      expect(records[index]!.previousHash).toBe(records[index - 1]!.hash);
    }
    expect(await verifyAuditLog(directory.path)).toEqual({
      ok: true, records: 5, problems: [], notes: [],
    });
  });

  it("gives 100 concurrent appends seq 1 to 100 in call order, in a valid chain", async () => {
    const log = await openLog(directory.path, signer);
    const appends = Array.from({ length: 100 }, (_, n) =>
      log.append({ action: "push.attempted", actor: "system", details: { n } }));
    const records = await Promise.all(appends);
    await log.close();

    expect(records.map((record) => record.seq)).toEqual(records.map((_, n) => n + 1));
    expect(records.map((record) => record.details.n)).toEqual(records.map((_, n) => n));
    expect(await readTrail(directory.path)).toEqual(records);
    expect((await verifyAuditLog(directory.path)).ok).toBe(true);
    expect(log.head).toEqual({ seq: 100, hash: records[99]!.hash });
    // Appends made while a batch is written share one signature, on the batch's last record.
    const signed = records.filter((record) => record.signature !== undefined);
    expect(signed.length).toBeLessThan(records.length);
    expect(records[99]!.signature).toBeDefined();
  });

  it("seals a batch with one signature over its last record, and one for the head", async () => {
    const counting: Signer = {
      publicKeyInfo: signer.publicKeyInfo,
      signatureAlgorithm: signer.signatureAlgorithm,
      sign: (data) => {
        signatures += 1;
        return signer.sign(data);
      },
    };
    let signatures = 0;
    const log = await openLog(directory.path, counting);
    const before = signatures;
    const records = await Promise.all([1, 2, 3].map((n) =>
      log.append({ action: "push.attempted", actor: "system", details: { n } })));
    await log.close();

    expect(signatures - before).toBe(2);
    expect(records.map((record) => record.signature !== undefined)).toEqual([false, false, true]);
    expect(await verifyAuditLog(directory.path)).toMatchObject({ ok: true, records: 3 });
  });

  it("continues the chain from the last record when reopened", async () => {
    await writeTrail(directory.path, signer, 3);
    const before = await readTrail(directory.path);

    const log = await openLog(directory.path, signer);
    const record = await log.append({ action: "user.removed", actor: "admin", details: {} });
    await log.close();

    expect(record.seq).toBe(4);
    expect(record.previousHash).toBe(before[2]!.hash);
    expect(await verifyAuditLog(directory.path)).toMatchObject({ ok: true, records: 4 });
  });

  it("records what the caller passed, not later changes to the same object", async () => {
    const log = await openLog(directory.path, signer);
    const details = { roles: ["reader"] };
    const appended = log.append({ action: "user.updated", actor: "admin", details });
    details.roles.push("writer");
    const record = await appended;
    await log.close();

    expect(record.details).toEqual({ roles: ["reader"] });
  });

  it("takes the core's AuditTrail call shape and refuses an action it does not know", async () => {
    const log = await openLog(directory.path, signer);
    await log.record("application.registered", "admin", { applicationId: "a-1" });
    const unknown = log.record("application.renamed", "admin", {});
    await expect(unknown).rejects.toThrow(/unknown audit action/);
    await log.close();

    expect((await readTrail(directory.path)).map((record) => record.action))
      .toEqual(["application.registered"]);
  });

  it("finishes appends already made when closed, and refuses later ones", async () => {
    const log = await openLog(directory.path, signer);
    const pending = log.append({ action: "push.succeeded", actor: "system", details: {} });
    await log.close();

    expect((await pending).seq).toBe(1);
    await expect(log.append({ action: "push.failed", actor: "system", details: {} }))
      .rejects.toThrow(/closed/);
  });

  it("rejects a batch whose signing failed and goes on from where the trail was", async () => {
    let failNext = false;
    const flaky: Signer = {
      publicKeyInfo: signer.publicKeyInfo,
      signatureAlgorithm: signer.signatureAlgorithm,
      sign: (data) => {
        if (!failNext) return signer.sign(data);
        failNext = false;
        return Promise.reject(new Error("CKR_DEVICE_ERROR"));
      },
    };
    const log = await openLog(directory.path, flaky);
    failNext = true;

    const failed = log.append({ action: "push.attempted", actor: "system", details: {} });
    await expect(failed).rejects.toThrow(/CKR_DEVICE_ERROR/);
    const record = await log.append({ action: "push.attempted", actor: "system", details: {} });
    await log.close();

    expect(record.seq).toBe(1);
    expect((await verifyAuditLog(directory.path)).ok).toBe(true);
  });
});

describe("opening an existing trail", () => {
  async function openFails(openSigner: Signer = signer): Promise<GdsError> {
    const error = await openLog(directory.path, openSigner).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GdsError);
    return error as GdsError;
  }

  it("refuses when the last line is incomplete, rather than fork the chain", async () => {
    await writeTrail(directory.path, signer, 3);
    const text = await readFile(files().log, "utf8");
    await writeFile(files().log, text.slice(0, -40));

    const error = await openFails();
    expect(error.code).toBe("InvalidState");
    expect(error.message).toMatch(/last line .* is incomplete/);
    expect(error.message).toMatch(/audit verify/);
  });

  it("refuses when the head names a record beyond the end (records cut off)", async () => {
    await writeTrail(directory.path, signer, 4);
    const lines = (await readFile(files().log, "utf8")).split("\n");
    await writeFile(files().log, `${lines.slice(0, 2).join("\n")}\n`);

    expect((await openFails()).message).toMatch(/names record 4 but .* ends at record 2/);
  });

  it("refuses when a record without signature follows the last batch", async () => {
    await writeTrail(directory.path, signer, 2);
    const records = await readTrail(directory.path);
    const extra = unsigned(records[1]!, { seq: 3, previousHash: records[1]!.hash });
    const text = await readFile(files().log, "utf8");
    await writeFile(files().log, `${text}${JSON.stringify(extra)}\n`);

    expect((await openFails()).message).toMatch(/record 3 of .* is not signed/);
  });

  it("refuses a trail cut after a sealed record whose seal was copied into the head", async () => {
    await writeTrail(directory.path, signer, 4);
    const records = await readTrail(directory.path);
    await rewriteTrail(directory.path, records.slice(0, 2));
    const { seq, hash, signature } = records[1]!;
    await writeFile(files().head, `${JSON.stringify({ seq, hash, signature })}\n`);

    expect((await openFails()).message).toMatch(/signature of .*audit\.head is not valid/);
  });

  it("refuses when the last record's seal was taken away, though the head matches it", async () => {
    await writeTrail(directory.path, signer, 2);
    const records = await readTrail(directory.path);
    delete records[1]!.signature;
    await rewriteTrail(directory.path, records);

    expect((await openFails()).message).toMatch(/record 2 of .* is not signed/);
  });

  it("refuses when a line of the tail was given a field the hash does not cover", async () => {
    await writeTrail(directory.path, signer, 2);
    const text = await readFile(files().log, "utf8");
    await writeFile(files().log, text.replace('"seq":2,', '"seq":2,"approvedBy":"ceo",'));

    expect((await openFails()).message).toMatch(/record 2 of .* not as the GDS writes it/);
  });

  it("refuses when a line at the end is longer than any record", async () => {
    await writeTrail(directory.path, signer, 2);
    const text = await readFile(files().log, "utf8");
    await writeFile(files().log, `${text}${"x".repeat(3 * 1024 * 1024)}\n`);

    expect((await openFails()).message).toMatch(/a line at the end of .* is longer than any/);
  });

  it("refuses when records exist but the head file was removed", async () => {
    await writeTrail(directory.path, signer, 2);
    await writeFile(files().head, "");

    expect((await openFails()).message).toMatch(/audit\.head/);
  });

  it("refuses to continue with another key than the one that signed the trail", async () => {
    await writeTrail(directory.path, signer, 2);

    const other = await SoftwareSigner.generate();
    expect((await openFails(other)).message).toMatch(/another key than the audit key/);
  });

  it("brings a head left behind by a crash up to date", async () => {
    await writeTrail(directory.path, signer, 2);
    const oldHead = await readFile(files().head, "utf8");
    const log = await openLog(directory.path, signer);
    await log.append({ action: "user.created", actor: "admin", details: { userName: "x" } });
    await log.close();
    // The crash: the new record reached the disk, the new head did not.
    await writeFile(files().head, oldHead);

    const trailing = await verifyAuditLog(directory.path);
    expect(trailing.ok).toBe(true);
    expect(trailing.notes.join()).toMatch(/1 record\(s\) behind/);

    const reopened = await openLog(directory.path, signer);
    await reopened.close();
    expect(await verifyAuditLog(directory.path)).toMatchObject({ ok: true, notes: [] });
  });
});
