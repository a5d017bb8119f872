import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditDirectory, auditFiles, publicKeyPem } from "../../src/audit/audit-files.js";
import { runAuditVerify } from "../../src/audit/audit-verify-command.js";
import { SoftwareSigner } from "../../src/keys/software-signer.js";
import { readTrail, rewriteTrail, tempDirectory, writeTrail } from "./audit-fixture.js";

let signer: SoftwareSigner;
let dataDir: Awaited<ReturnType<typeof tempDirectory>>;
const trailDir = () => auditDirectory(dataDir.path);

async function run(flags: { dataDir: string; publicKey?: string }) {
  let output = "";
  const code = await runAuditVerify(flags, (text) => {
    output += text;
  });
  return { code, output };
}

beforeAll(async () => {
  signer = await SoftwareSigner.generate();
});

beforeEach(async () => {
  dataDir = await tempDirectory();
  await writeTrail(trailDir(), signer, 3);
});

afterEach(async () => {
  await dataDir.remove();
});

describe("security-handler audit verify", () => {
  it("says the trail is intact, shows the key fingerprint, and exits 0", async () => {
    const { code, output } = await run({ dataDir: dataDir.path });

    expect(code).toBe(0);
    expect(output).toContain(`audit trail ${trailDir()}: intact, 3 records`);
    expect(output).toMatch(/SHA-256 fingerprint ([0-9A-F]{2}:){31}[0-9A-F]{2}\n/);
  });

  it("lists each problem with its record and line, and exits 1", async () => {
    const records = await readTrail(trailDir());
    records[1]!.actor = "mallory";
    await rewriteTrail(trailDir(), records);

    const { code, output } = await run({ dataDir: dataDir.path });
    expect(code).toBe(1);
    expect(output).toContain("NOT INTACT, 3 records, 1 problem");
    expect(output).toContain("record 2 (line 2): hash does not match the record's content");
  });

  it("checks against a key file given on the command line", async () => {
    const kept = join(dataDir.path, "kept-audit-key.pem");
    await writeFile(kept, publicKeyPem((await SoftwareSigner.generate()).publicKeyInfo));

    const { code, output } = await run({ dataDir: dataDir.path, publicKey: kept });
    expect(code).toBe(1);
    expect(output).toContain(`audit key ${kept}`);
    expect(output).toMatch(/record 1 \(line 1\): signature is not valid/);
  });

  it("exits 1 and says why when there is nothing to check against", async () => {
    const empty = await tempDirectory();
    try {
      const { code, output } = await run({ dataDir: empty.path });
      const keyPath = auditFiles(auditDirectory(empty.path)).publicKey;
      expect(code).toBe(1);
      expect(output).toContain(`cannot be verified: there is no audit key at ${keyPath}`);
    } finally {
      await empty.remove();
    }
  });

  it("prints the signing key's fingerprint, to compare with one noted earlier", async () => {
    const digest = createHash("sha256").update(signer.publicKeyInfo).digest("hex");
    const expected = digest.toUpperCase().match(/../g)!.join(":");

    expect((await run({ dataDir: dataDir.path })).output).toContain(expected);
  });
});
