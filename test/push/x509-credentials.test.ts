import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DataType, NodeId, StatusCodes, Variant, VariantArrayType } from "node-opcua";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PushTargetStatus } from "../../src/push/push-service.js";
import { opensslOk, ScratchDirectory } from "../ca/openssl.js";
import { runCli } from "../support/cli.js";
import { crlPem, expectStatus, pem } from "../support/enrolment.js";
import { adminPassword } from "../support/gds-fixture.js";
import { TestPki } from "../support/push-target/test-pki.js";
import { PushFixture, targetAdmin } from "./push-fixture.js";

const bytes = (value: Buffer) => new Variant({ dataType: DataType.ByteString, value });

/** An X.509 user of the target: CN names the target user whose roles it gets. */
async function userCredential(pki: TestPki, commonName: string) {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const certificate = await pki.issue({
    subject: `CN=${commonName}, O=Plant Operators`, applicationUri: `urn:plant:user:${commonName}`,
    publicKeyInfo: publicKey.export({ format: "der", type: "spki" }),
  });
  const pkcs8 = privateKey.export({ format: "pem", type: "pkcs8" }) as string;
  const pkcs1 = privateKey.export({ format: "pem", type: "pkcs1" }) as string;
  // The key's base64 body lines: none of them may appear anywhere the GDS writes.
  const secretLines = [pkcs8, pkcs1].flatMap((text) =>
    text.split("\n").filter((line) => line.length >= 64 && !line.startsWith("-----")));
  return { certificate, pkcs8, pkcs1, secretLines };
}

describe("push targets signed in to with an X.509 user certificate", () => {
  let fixture: PushFixture;
  let userPki: TestPki;
  let admin: Awaited<ReturnType<typeof userCredential>>;
  const scratch = new ScratchDirectory();

  const enable = (applicationId: NodeId, endpointUrl: string, certificate: Buffer, key: string) =>
    fixture.admin.callProductMethod(["SecurityHandler", "EnablePushTargetWithCertificate"], [
      new Variant({ dataType: DataType.NodeId, value: applicationId }),
      new Variant({ dataType: DataType.String, value: endpointUrl }),
      bytes(certificate), bytes(Buffer.from(key, "ascii")),
      new Variant({ dataType: DataType.ByteString, arrayType: VariantArrayType.Array, value: [] }),
    ]);
  const targetOptions = async () => ({
    userCertificates: {
      trusted: [admin.certificate],
      issuers: [{ certificate: userPki.certificate, crl: await userPki.crl() }],
    },
  });

  beforeAll(async () => {
    fixture = await PushFixture.create();
    userPki = await TestPki.create("CN=Plant User CA, O=Security Handler Tests");
    admin = await userCredential(userPki, targetAdmin.userName);
  });

  afterAll(async () => {
    await fixture?.dispose();
    scratch.remove();
  });

  it("onboards a server as its SecurityAdmin X.509 user; the key stays sealed", async () => {
    const uri = "urn:plant:push:x509:onboard";
    const { target, applicationId } = await fixture.target(uri, await targetOptions());
    const before = await target.servedCertificate();
    const enabled = await enable(applicationId, target.endpointUrl, admin.certificate,
      admin.pkcs8);
    expectStatus(enabled.statusCode, StatusCodes.Good);
    const shown = JSON.parse(String(enabled.outputs[0])) as PushTargetStatus;
    expect(shown.credentialKind).toBe("x509");
    expect(shown.userName).toContain(`CN=${targetAdmin.userName}`);

    const attempt = await fixture.pushNow(applicationId);
    expect(attempt.outcome, attempt.message).toBe("Succeeded");
    const served = await target.servedCertificate();
    expect(served.equals(before)).toBe(false);
    const authority = fixture.running.authority;
    expect(opensslOk(["verify", "-crl_check",
      "-CAfile", scratch.write("ca.pem", pem(authority.certificate())),
      "-CRLfile", scratch.write("ca.crl.pem", crlPem(authority.crl())),
      scratch.write("served.pem", pem(served))])).toContain("OK");

    const dataDir = fixture.gds.dataDir;
    const stored = await readFile(join(dataDir, "store", "push-targets.db"), "utf8");
    expect(stored).toContain("sealedPrivateKey");
    const audit = await readFile(join(dataDir, "audit", "audit.log"), "utf8");
    expect(audit).toContain("push.succeeded");
    const status = JSON.stringify(await fixture.status(applicationId));
    for (const line of admin.secretLines) {
      expect(stored).not.toContain(line);
      expect(audit).not.toContain(line);
      expect(fixture.gds.output()).not.toContain(line);
      expect(status).not.toContain(line);
    }
  });

  it("records AccessDenied when the target does not accept the user certificate", async () => {
    const { target, applicationId } = await fixture.target("urn:plant:push:x509:stranger",
      await targetOptions());
    // Same CN: one from the user CA the target knows but not trusted as a user itself, one
    // from a CA the target has never seen.
    const otherPki = await TestPki.create("CN=Other User CA, O=Security Handler Tests");
    for (const stranger of [await userCredential(userPki, targetAdmin.userName),
      await userCredential(otherPki, targetAdmin.userName)]) {
      expectStatus((await enable(applicationId, target.endpointUrl, stranger.certificate,
        stranger.pkcs8)).statusCode, StatusCodes.Good);
      const attempt = await fixture.pushNow(applicationId, "trustList");
      expect(attempt.outcome, attempt.message).toBe("AccessDenied");
      expect(attempt.steps.at(-1)).toMatchObject({ name: "Connect" });
    }
    // The trusted one is let in on the same target: the refusals were about the certificate.
    expectStatus((await enable(applicationId, target.endpointUrl, admin.certificate,
      admin.pkcs8)).statusCode, StatusCodes.Good);
    expect((await fixture.pushNow(applicationId, "trustList")).outcome).toBe("Succeeded");
  });

  it("refuses a key that is not the certificate's, and a target without credentials", async () => {
    const { target, applicationId } = await fixture.target("urn:plant:push:x509:mismatch");
    const other = await userCredential(userPki, "someone");
    expectStatus((await enable(applicationId, target.endpointUrl, admin.certificate,
      other.pkcs8)).statusCode, StatusCodes.BadInvalidArgument);
    const both = await fixture.admin.callProductMethod(["SecurityHandler", "EnablePushTarget"], [
      new Variant({ dataType: DataType.NodeId, value: applicationId }),
      new Variant({ dataType: DataType.String, value: target.endpointUrl }),
      new Variant({ dataType: DataType.String, value: "" }),
      new Variant({ dataType: DataType.String, value: "" }),
      new Variant({ dataType: DataType.ByteString, arrayType: VariantArrayType.Array, value: [] }),
    ]);
    expectStatus(both.statusCode, StatusCodes.BadInvalidArgument);
    expect(fixture.gds.output()).not.toContain(other.secretLines[0]!);
  });

  it("adds a target from certificate and key files with the CLI", { timeout: 120_000 },
    async () => {
      const { target, applicationId } = await fixture.target("urn:plant:push:x509:cli",
        await targetOptions());
      const id = String(applicationId.value).toLowerCase();
      const flags = ["--endpoint", fixture.gds.endpointUrl, "--data-dir", fixture.gds.dataDir];
      const added = await runCli(["push", "add", id, "--target-url", target.endpointUrl,
        "--target-cert", scratch.write("user.pem", pem(admin.certificate)),
        // PKCS#1 on purpose: the GDS keeps it as PKCS#8.
        "--target-key", scratch.write("user.key", admin.pkcs1), ...flags],
      { SH_PASSWORD: adminPassword });
      expect(added.stderr).not.toContain("security-handler:");
      expect(added.code).toBe(0);
      expect((JSON.parse(added.stdout) as PushTargetStatus).credentialKind).toBe("x509");
      for (const line of admin.secretLines) expect(added.stdout).not.toContain(line);
      const attempt = await fixture.pushNow(applicationId, "trustList");
      expect(attempt.outcome, attempt.message).toBe("Succeeded");
    });
});
