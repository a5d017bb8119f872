import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { looksLikeSecretName } from "../../src/audit/audit-entry.js";
import { auditFiles } from "../../src/audit/audit-files.js";
import type { AuditLog } from "../../src/audit/audit-log.js";
import type { AuditDetails } from "../../src/audit/audit-record.js";
import { SoftwareSigner } from "../../src/keys/software-signer.js";
import { openLog, tempDirectory } from "./audit-fixture.js";

let directory: Awaited<ReturnType<typeof tempDirectory>>;
let log: AuditLog;

beforeAll(async () => {
  directory = await tempDirectory();
  log = await openLog(directory.path, await SoftwareSigner.generate());
});

afterAll(async () => {
  await log?.close();
  await directory?.remove();
});

const appendDetails = (details: Record<string, unknown>) =>
  log.append({ action: "user.created", actor: "admin", details: details as AuditDetails });

describe("keeping secrets out of the audit trail", () => {
  it.each([
    "password", "adminPassword", "new_password", "passphrase", "pin", "userPin", "soPin",
    "pinFile", "secret", "clientSecret", "privateKey", "private_key", "PrivateKeyPem",
    "secretKey", "keyMaterial", "pkcs8", "pfxBytes", "pkcs12",
  ])("refuses a detail named %s, naming the detail and never its value", async (name) => {
    const appended = appendDetails({ [name]: "hunter2-value" });

    await expect(appended).rejects.toMatchObject({
      code: "InvalidArgument", message: expect.stringContaining(`"${name}" looks like a secret`),
    });
    await expect(appended).rejects.not.toThrow(/hunter2/);
  });

  it("refuses a PEM private key under any name", async () => {
    const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n";

    await expect(appendDetails({ note: pem })).rejects.toThrow(/"note" holds a private key/);
    await expect(appendDetails({ files: ["a", pem] })).rejects.toThrow(/private key/);
  });

  it("lets identifiers through that only resemble secret words", () => {
    const harmless = ["thumbprint", "serialNumber", "publicKey", "keyLabel", "tokenLabel",
      "shipping", "spinner", "mapping", "pinned", "secretary", "userName", "roles"];

    expect(harmless.filter(looksLikeSecretName)).toEqual([]);
  });

  it("refuses details that are not flat strings, numbers, booleans or string lists", async () => {
    await expect(appendDetails({ nested: { a: "b" } })).rejects.toThrow(/must be a string/);
    await expect(appendDetails({ count: Number.NaN })).rejects.toThrow(/finite/);
    await expect(appendDetails({ list: ["a", 1] })).rejects.toThrow(/must be a string/);
    await expect(appendDetails({ "two words": "x" })).rejects.toThrow(/identifier/);
    await expect(appendDetails({ long: "x".repeat(20_000) })).rejects.toThrow(/too long/);
  });

  it("refuses an entry without an actor or with an unknown action", async () => {
    await expect(log.append({ action: "user.created", actor: "", details: {} }))
      .rejects.toThrow(/needs an actor/);
    const action = "user.deleted" as "user.created";
    await expect(log.append({ action, actor: "admin", details: {} }))
      .rejects.toThrow(/unknown audit action/);
  });

  it("has written nothing for any of the refused entries", async () => {
    expect(await readFile(auditFiles(directory.path).log, "utf8")).toBe("");
  });
});
