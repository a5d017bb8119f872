import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScratchDirectory } from "../ca/openssl.js";
import { httpsCall } from "../rest/https-client.js";
import { RestFixture } from "../rest/rest-fixture.js";
import { runCli } from "../support/cli.js";
import { adminPassword } from "../support/gds-fixture.js";

let fixture: RestFixture;
let scratch: ScratchDirectory;

beforeAll(async () => {
  fixture = await RestFixture.start();
  scratch = new ScratchDirectory();
});

afterAll(async () => {
  await fixture?.dispose();
  scratch?.remove();
});

const cliFlags = () => ["--endpoint", fixture.gds.endpointUrl, "--data-dir", fixture.gds.dataDir];

function csr(applicationUri: string): Promise<string> {
  const env = { ...process.env };
  if (env.OPENSSL_CONF === "undefined") delete env.OPENSSL_CONF;
  return new Promise((resolve, reject) => execFile("openssl", ["req", "-new", "-newkey",
    "rsa:2048", "-nodes", "-keyout", scratch.file("cli.key"), "-subj", "/CN=CLI",
    "-addext", `subjectAltName=URI:${applicationUri}`, "-outform", "DER",
    "-out", scratch.file("cli.der")], { env }, (error) => (error ? reject(error)
    : resolve(scratch.read("cli.der").toString("base64")))));
}

describe("security-handler est credential (OPC UA CreateEstCredential)", () => {
  it("hands out a credential that simpleenroll accepts; an Operator may not", async () => {
    const token = await fixture.token();
    const applicationUri = "urn:test:est:cli";
    const applicationId = await fixture.register(applicationUri, token);

    const created = await runCli(["est", "credential", applicationId, "--valid-hours", "2",
      ...cliFlags()], { SH_PASSWORD: adminPassword });
    expect(created.code, created.stderr).toBe(0);
    const credential = JSON.parse(created.stdout) as {
      credentialId: string; password: string; expiresAt: string;
    };
    expect(credential.credentialId).toMatch(/^[0-9a-f]{32}$/);
    expect(Date.parse(credential.expiresAt) - Date.now()).toBeLessThanOrEqual(2 * 3_600_000);
    expect(fixture.gds.output()).not.toContain(credential.password);

    const enrolled = await httpsCall(`${fixture.httpsUrl}/.well-known/est/simpleenroll`, {
      method: "POST", ca: fixture.caPem, body: await csr(applicationUri),
      headers: { "content-type": "application/pkcs10", authorization: `Basic ${Buffer.from(
        `${credential.credentialId}:${credential.password}`).toString("base64")}` },
    });
    expect(enrolled.status, enrolled.text).toBe(200);

    await fixture.user("cli-operator", ["Operator"]);
    const refused = await runCli(["est", "credential", applicationId, "--user", "cli-operator",
      ...cliFlags()], { SH_PASSWORD: "cli-operator password 123" });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("BadUserAccessDenied");

    const unknown = await runCli(["est", "credential", "00000000-0000-0000-0000-000000000001",
      ...cliFlags()], { SH_PASSWORD: adminPassword });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("BadNotFound");
    // Each CLI run starts node and opens a SignAndEncrypt session: slow on a loaded machine.
  }, 180_000);
});
