import { readFile, rm, writeFile } from "node:fs/promises";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditFiles, publicKeyPem } from "../../src/audit/audit-files.js";
import { signHead, writeHead } from "../../src/audit/audit-head.js";
import type { AuditRecord } from "../../src/audit/audit-record.js";
import { verifyAuditLog, type AuditProblem } from "../../src/audit/audit-verify.js";
import { ManualClock } from "../../src/core/clock.js";
import { SoftwareSigner } from "../../src/keys/software-signer.js";
import {
  forged,
  openLog,
  readTrail,
  rewriteTrail,
  startTime,
  tempDirectory,
  unsigned,
  writeTrail,
} from "./audit-fixture.js";

let signer: SoftwareSigner;
// Someone with write access to the disk but not to the HSM signs with a key of their own.
let attacker: SoftwareSigner;
let directory: Awaited<ReturnType<typeof tempDirectory>>;
const files = () => auditFiles(directory.path);

const seqs = (problems: AuditProblem[]) => problems.map((problem) => problem.seq);

beforeAll(async () => {
  [signer, attacker] = await Promise.all([SoftwareSigner.generate(), SoftwareSigner.generate()]);
});

beforeEach(async () => {
  directory = await tempDirectory();
  await writeTrail(directory.path, signer, 6);
});

afterEach(async () => {
  await directory.remove();
});

describe("verifying the audit trail", () => {
  it("finds an untouched trail intact", async () => {
    expect(await verifyAuditLog(directory.path)).toEqual({
      ok: true, records: 6, problems: [], notes: [],
    });
  });

  it("finds a changed field by the record's hash", async () => {
    const records = await readTrail(directory.path);
    records[2]!.actor = "someone-else";
    await rewriteTrail(directory.path, records);

    const result = await verifyAuditLog(directory.path);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      { seq: 3, line: 3, problem: "hash does not match the record's content" },
    ]);
  });

  it("finds a changed field with a recomputed hash by the signature", async () => {
    const records = await readTrail(directory.path);
    records[2] = await forged(records[2]!, { details: { serialNumber: "99" } }, attacker);
    await rewriteTrail(directory.path, records);

    const { ok, problems } = await verifyAuditLog(directory.path);
    expect(ok).toBe(false);
    expect(problems[0]).toMatchObject({ seq: 3, problem: expect.stringMatching(/signature/) });
    // The next record still links to the genuine hash, so the forgery shows there as well.
    expect(problems[1]).toMatchObject({ seq: 4, problem: expect.stringMatching(/previousHash/) });
  });

  it("finds a record removed from the middle", async () => {
    const records = await readTrail(directory.path);
    records.splice(2, 1);
    await rewriteTrail(directory.path, records);

    const { ok, problems } = await verifyAuditLog(directory.path);
    expect(ok).toBe(false);
    expect(problems).toEqual([{ seq: 3, problem: "record 3 is missing" }]);
  });

  it("finds two records swapped", async () => {
    const records = await readTrail(directory.path);
    [records[2], records[3]] = [records[3]!, records[2]!];
    await rewriteTrail(directory.path, records);

    const { ok, problems } = await verifyAuditLog(directory.path);
    expect(ok).toBe(false);
    expect(problems).toEqual([{ seq: 3, line: 4, problem: "out of order: after seq 4" }]);
  });

  it("finds an inserted record even with a correct hash and link, by its signature", async () => {
    const records = await readTrail(directory.path);
    const insert = await forged(records[3]!, {
      actor: "admin", details: { note: "nothing happened" }, previousHash: records[2]!.hash,
    }, attacker);
    records.splice(3, 0, insert);
    await rewriteTrail(directory.path, records);

    const { ok, problems } = await verifyAuditLog(directory.path);
    expect(ok).toBe(false);
    expect(problems[0]).toMatchObject({
      seq: 4, line: 4, problem: expect.stringMatching(/signature/),
    });
    expect(seqs(problems)).toEqual([4, 4]); // and then the genuine seq 4 appears a second time
  });

  it("finds a forged record appended at the end", async () => {
    const records = await readTrail(directory.path);
    const last = records.at(-1)!;
    records.push(await forged(last, { seq: 7, previousHash: last.hash }, attacker));
    await rewriteTrail(directory.path, records);

    const { ok, problems } = await verifyAuditLog(directory.path);
    expect(ok).toBe(false);
    expect(problems).toEqual([{ seq: 7, line: 7, problem: expect.stringMatching(/signature/) }]);
  });

  it("finds a record without signature appended at the end, though its hash and link hold",
    async () => {
      const records = await readTrail(directory.path);
      const last = records.at(-1)!;
      records.push(unsigned(last, { seq: 7, previousHash: last.hash, actor: "nobody" }));
      await rewriteTrail(directory.path, records);

      const { ok, problems } = await verifyAuditLog(directory.path);
      expect(ok).toBe(false);
      expect(problems).toEqual([{ seq: 7, problem: expect.stringMatching(
        /record 7 carries no signature and no signed record follows/) }]);
    });

  it("takes unsigned records sealed by a signed one after them on the chain", async () => {
    // Rewritten as one batch: only the last record signed, as concurrent appends are written.
    const records = await readTrail(directory.path);
    const batch = records.map((record, index) =>
      index < records.length - 1 ? unsigned(record, {}) : record);
    await rewriteTrail(directory.path, batch);
    expect(await verifyAuditLog(directory.path)).toMatchObject({ ok: true, records: 6 });

    // The seal covers them: a changed field breaks the link to the signed record.
    batch[2] = unsigned(batch[2]!, { actor: "mallory" });
    await rewriteTrail(directory.path, batch);
    const { problems } = await verifyAuditLog(directory.path);
    expect(problems).toEqual([{ seq: 4, line: 4,
      problem: "previousHash does not match the record before" }]);
  });

  it("verifies a trail written when every record signed its own hash", async () => {
    const records = await readTrail(directory.path);
    const older = await Promise.all(records.map(async (record) => ({ ...record,
      signature: (await signer.sign(Buffer.from(record.hash, "hex"))).toString("base64") })));
    await rewriteTrail(directory.path, older);
    expect(await verifyAuditLog(directory.path)).toMatchObject({ ok: true, records: 6 });
  });

  it("reports a line longer than any record without reading it, and goes on", async () => {
    const lines = (await readFile(files().log, "utf8")).split("\n");
    lines.splice(2, 0, "x".repeat(3 * 1024 * 1024));
    await writeFile(files().log, lines.join("\n"));

    const { ok, records, problems } = await verifyAuditLog(directory.path);
    expect(ok).toBe(false);
    expect(records).toBe(6);
    expect(problems).toEqual([
      { line: 3, problem: "the line is longer than any record (not read)" },
    ]);
  });

  it("reads records that span the reader's chunks", async () => {
    const log = await openLog(directory.path, signer, new ManualClock(new Date(startTime.getTime()
      + 60_000)));
    for (let n = 0; n < 12; n += 1) {
      await log.append({ action: "push.attempted", actor: "system",
        details: { n, note: "x".repeat(15_000) } });
    }
    await log.close();

    expect(await verifyAuditLog(directory.path)).toMatchObject({ ok: true, records: 18 });
    const reopened = await openLog(directory.path, signer);
    await reopened.append({ action: "push.succeeded", actor: "system", details: {} });
    await reopened.close();
    expect(await verifyAuditLog(directory.path)).toMatchObject({ ok: true, records: 19 });
  });

  it("finds a last line cut in the middle", async () => {
    const text = await readFile(files().log, "utf8");
    await writeFile(files().log, text.slice(0, -30));

    const { ok, records, problems } = await verifyAuditLog(directory.path);
    expect(ok).toBe(false);
    expect(records).toBe(5);
    expect(problems).toEqual([
      { line: 6, problem: "the last line is incomplete (a torn write or a cut)" },
      { seq: 6, problem: "record 6 is missing from the end (audit.head names 6)" },
    ]);
  });

  it("finds the last records removed, through the signed head", async () => {
    const records = await readTrail(directory.path);
    await rewriteTrail(directory.path, records.slice(0, 4));

    const { ok, problems } = await verifyAuditLog(directory.path);
    expect(ok).toBe(false);
    expect(problems).toEqual([
      { seq: 5, problem: "records 5 to 6 are missing from the end (audit.head names 6)" },
    ]);
  });

  it("finds the last records removed when the head is forged to match", async () => {
    const records = await readTrail(directory.path);
    await rewriteTrail(directory.path, records.slice(0, 4));
    await writeHead(files().head, await signHead(attacker, 4, records[3]!.hash));

    const { ok, problems } = await verifyAuditLog(directory.path);
    expect(ok).toBe(false);
    expect(problems).toEqual([{ seq: 4, problem: "the signature of audit.head is not valid" }]);
  });

  it("finds the last records cut off when a record's seal is copied into the head", async () => {
    // Every record here ends a batch of its own, so each carries a seal the file keeps.
    const records = await readTrail(directory.path);
    await rewriteTrail(directory.path, records.slice(0, 4));
    const { seq, hash, signature } = records[3]!;
    await writeFile(files().head, `${JSON.stringify({ seq, hash, signature })}\n`);

    const { ok, problems } = await verifyAuditLog(directory.path);
    expect(ok).toBe(false);
    expect(problems).toEqual([{ seq: 4, problem: "the signature of audit.head is not valid" }]);
  });

  it("finds the last record's seal taken away, though the head matches it", async () => {
    const records = await readTrail(directory.path);
    delete records[5]!.signature;
    await rewriteTrail(directory.path, records);

    const { ok, problems } = await verifyAuditLog(directory.path);
    expect(ok).toBe(false);
    expect(problems).toEqual([
      { seq: 6, problem: "record 6 carries no signature and no signed record follows" },
    ]);
  });

  it.each([
    ["a field the hash does not cover", '"seq":3,"approvedBy":"ceo",'],
    ["a field given twice, the first one shown to a reader", '"seq":3,"actor":"ceo",'],
    ["other spacing", '"seq": 3,'],
  ])("finds a line changed by %s, though the record's hash holds", async (_what, text) => {
    const lines = (await readFile(files().log, "utf8")).split("\n");
    lines[2] = lines[2]!.replace('"seq":3,', text);
    await writeFile(files().log, lines.join("\n"));

    const { ok, problems } = await verifyAuditLog(directory.path);
    expect(ok).toBe(false);
    expect(problems).toEqual([
      { seq: 3, line: 3, problem: expect.stringMatching(/not as the GDS writes/) },
    ]);
  });

  it("finds the head file removed", async () => {
    await rm(files().head);

    const { ok, problems } = await verifyAuditLog(directory.path);
    expect(ok).toBe(false);
    expect(problems).toEqual([
      { problem: "audit.head is missing, so a cut-off end would go unseen" },
    ]);
  });

  it("finds a trail re-signed with another key only against a key kept elsewhere", async () => {
    const genuinePem = publicKeyPem(signer.publicKeyInfo);
    const records = await readTrail(directory.path);
    const resigned: AuditRecord[] = [];
    for (const record of records) {
      const changes = resigned.length === 0 ? {} : { previousHash: resigned.at(-1)!.hash };
      resigned.push(await forged(record, { ...changes, actor: "nobody" }, attacker));
    }
    await rewriteTrail(directory.path, resigned);
    await writeHead(files().head, await signHead(attacker, 6, resigned.at(-1)!.hash));
    await writeFile(files().publicKey, publicKeyPem(attacker.publicKeyInfo));

    // The limit documented on verifyAuditLog: the directory alone vouches for itself.
    expect((await verifyAuditLog(directory.path)).ok).toBe(true);
    const pinned = await verifyAuditLog(directory.path, genuinePem);
    expect(pinned.ok).toBe(false);
    expect(seqs(pinned.problems)).toEqual([1, 2, 3, 4, 5, 6, 6]);
  });

  it("reads a trail with no records yet as intact", async () => {
    const empty = await tempDirectory();
    try {
      await writeTrail(empty.path, signer, 0);
      expect(await verifyAuditLog(empty.path)).toEqual({
        ok: true, records: 0, problems: [], notes: [],
      });
    } finally {
      await empty.remove();
    }
  });

  it("cannot verify without the audit key and says where it looked", async () => {
    await rm(files().publicKey);

    await expect(verifyAuditLog(directory.path)).rejects.toMatchObject({
      code: "NotFound", message: expect.stringMatching(/audit-key\.pem/),
    });
  });
});
