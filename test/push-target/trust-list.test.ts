import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MessageSecurityMode, StatusCodes } from "node-opcua";
import { TestPki } from "../support/push-target/test-pki.js";
import { admin, TargetFixture } from "../support/push-target/target-fixture.js";
import { bool, bytes, byte, uint32 } from "../support/push-target/target-client.js";
import {
  decodeTrustList, emptyTrustList, encodeTrustList, trustListMasks,
} from "../support/push-target/trust-list-codec.js";
import { sha1Thumbprint } from "../support/push-target/target-certificate-manager.js";

describe("push target TrustList", () => {
  let fixture: TargetFixture;

  beforeAll(async () => {
    fixture = await TargetFixture.start();
  });
  afterAll(async () => {
    await fixture.dispose();
  });

  async function trustListWith(extraCa: TestPki) {
    return {
      trustedCertificates: [fixture.pki.certificate, extraCa.certificate],
      trustedCrls: [await fixture.pki.crl(), await extraCa.crl()],
      issuerCertificates: [],
      issuerCrls: [],
    };
  }

  it("stages a written trust list until ApplyChanges, then really replaces it", async () => {
    const other = await TestPki.create("CN=Other CA, O=Security Handler Tests");
    const wanted = await trustListWith(other);
    const client = await fixture.connect();

    const updated = await client.writeTrustList(encodeTrustList(wanted), 1000);
    expect(updated.statusCode.name).toBe("Good");
    expect(updated.outputs).toEqual([true]);
    expect(await fixture.target.trustedCertificates()).not.toContainEqual(other.certificate);

    const applied = await client.serverConfiguration("ApplyChanges");
    expect(applied.statusCode.name).toBe("Good");
    const trusted = await fixture.target.trustedCertificates();
    expect(trusted).toHaveLength(2);
    expect(trusted).toContainEqual(other.certificate);
    expect(await fixture.target.crls()).toHaveLength(2);

    const readBack = decodeTrustList(await client.readTrustList(), emptyTrustList());
    expect(readBack.trustedCertificates).toHaveLength(2);
    expect(readBack.trustedCertificates).toContainEqual(other.certificate);
  });

  it("lets channel checks follow the applied trust list, also for a client refused", async () => {
    const second = await TestPki.create("CN=Second Plant CA, O=Security Handler Tests");
    const dir = join(fixture.dir, "second-plant");
    await mkdir(dir, { recursive: true });
    const credentials = await second.clientCredentials(dir, "urn:security-handler:test:second");
    await expect(fixture.connect(admin, MessageSecurityMode.SignAndEncrypt, credentials))
      .rejects.toThrow();

    const client = await fixture.connect();
    expect((await client.writeTrustList(encodeTrustList(await trustListWith(second))))
      .statusCode.name).toBe("Good");
    expect((await client.serverConfiguration("ApplyChanges")).statusCode.name).toBe("Good");
    const accepted = await fixture.connect(admin, MessageSecurityMode.SignAndEncrypt, credentials);
    expect((await accepted.serverConfiguration("ApplyChanges")).statusCode.name)
      .toBe("BadNothingToDo");
  });

  it("reads only the lists OpenWithMasks asks for", async () => {
    const client = await fixture.connect();
    const onlyCrls = decodeTrustList(
      await client.readTrustList(trustListMasks.trustedCrls), emptyTrustList());
    expect(onlyCrls.trustedCertificates).toEqual([]);
    expect(onlyCrls.trustedCrls.length).toBeGreaterThan(0);
  });

  it("answers ApplyChanges with BadNothingToDo when nothing is staged", async () => {
    const client = await fixture.connect();
    const applied = await client.serverConfiguration("ApplyChanges");
    expect(applied.statusCode.name).toBe("BadNothingToDo");
  });

  it("refuses other sessions with BadTransactionPending while one has staged changes", async () => {
    const first = await fixture.connect();
    const second = await fixture.connect();
    const content = await trustListWith(await TestPki.create("CN=Third CA"));
    expect((await first.writeTrustList(encodeTrustList(content))).statusCode.name).toBe("Good");

    expect((await second.trustListMethod("Open", [byte(6)])).statusCode.name)
      .toBe("BadTransactionPending");
    expect((await second.serverConfiguration("ApplyChanges")).statusCode.name)
      .toBe("BadTransactionPending");
    expect((await second.trustListMethod("AddCertificate",
      [bytes(content.trustedCertificates[1]!), bool(true)])).statusCode.name)
      .toBe("BadTransactionPending");
    // Reading stays open to everyone.
    expect((await second.readTrustList()).length).toBeGreaterThan(0);

    expect((await first.serverConfiguration("ApplyChanges")).statusCode.name).toBe("Good");
    expect((await second.serverConfiguration("ApplyChanges")).statusCode.name)
      .toBe("BadNothingToDo");
  });

  it("drops a session's staged changes when the session closes", async () => {
    const first = await fixture.connect();
    const content = await trustListWith(await TestPki.create("CN=Abandoned CA"));
    expect((await first.writeTrustList(encodeTrustList(content))).statusCode.name).toBe("Good");
    await first.close();

    const second = await fixture.connect();
    const opened = await second.trustListMethod("Open", [byte(6)]);
    expect(opened.statusCode.name).toBe("Good");
    expect((await second.trustListMethod("Close", [uint32(opened.outputs[0] as number)]))
      .statusCode.name).toBe("Good");
    expect(await fixture.target.trustedCertificates())
      .not.toContainEqual(content.trustedCertificates[1]);
  });

  it("adds and removes certificates at once outside a transaction", async () => {
    const client = await fixture.connect();
    const issuer = await TestPki.create("CN=Issuer Only CA");
    const added = await client.trustListMethod("AddCertificate",
      [bytes(issuer.certificate), bool(false)]);
    expect(added.statusCode.name).toBe("Good");
    expect((await fixture.target.trustList()).issuerCertificates)
      .toContainEqual(issuer.certificate);

    const thumbprint = sha1Thumbprint(issuer.certificate).toUpperCase();
    const removed = await client.trustListMethod("RemoveCertificate",
      [{ dataType: 12, value: thumbprint } as never, bool(false)]);
    expect(removed.statusCode.name).toBe("Good");
    expect((await fixture.target.trustList()).issuerCertificates)
      .not.toContainEqual(issuer.certificate);

    const again = await client.trustListMethod("RemoveCertificate",
      [{ dataType: 12, value: thumbprint } as never, bool(false)]);
    expect(again.statusCode.name).toBe("BadInvalidArgument");
  });

  it("refuses a file that is not a TrustList", async () => {
    const client = await fixture.connect();
    const result = await client.writeTrustList(Buffer.from("not a trust list"));
    expect(result.statusCode.name).toBe("BadInvalidArgument");
    const opened = await client.trustListMethod("Open", [byte(3)]);
    expect(opened.statusCode.name).toBe("BadNotSupported");
    expect((await client.trustListMethod("Read", [uint32(9999), uint32(10)])).statusCode)
      .not.toBe(StatusCodes.Good);
  });
});
