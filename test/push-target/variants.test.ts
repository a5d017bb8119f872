import { AttributeIds, coerceNodeId } from "node-opcua";
import { afterEach, describe, expect, it } from "vitest";
import {
  bool, bytes, byte, byteStrings, nodeId, serverConfigurationIds as ids, text, type TargetClient,
} from "../support/push-target/target-client.js";
import { TargetFixture, targetUri } from "../support/push-target/target-fixture.js";
import type { PushTargetVariant } from "../support/push-target/push-target.js";
import { encodeTrustList } from "../support/push-target/trust-list-codec.js";
import { TestPki } from "../support/push-target/test-pki.js";

const group = nodeId(ids.DefaultApplicationGroup);
const type = nodeId(ids.RsaSha256ApplicationCertificateType);
const noKey = [text(""), bytes(Buffer.alloc(0))];

async function newKeyCertificate(fixture: TargetFixture, client: TargetClient): Promise<Buffer> {
  const csr = await client.serverConfiguration("CreateSigningRequest",
    [group, type, text(""), bool(true), bytes(Buffer.alloc(32, 3))]);
  expect(csr.statusCode.name).toBe("Good");
  return fixture.pki.signRequest(csr.outputs[0] as Buffer, targetUri);
}

async function trustListOfSize(fixture: TargetFixture, extraCas: number) {
  const content = {
    trustedCertificates: [fixture.pki.certificate], trustedCrls: [await fixture.pki.crl()],
    issuerCertificates: [] as Buffer[], issuerCrls: [] as Buffer[],
  };
  for (let index = 0; index < extraCas; index += 1) {
    const ca = await TestPki.create(`CN=Extra CA ${index}`);
    content.trustedCertificates.push(ca.certificate);
    content.trustedCrls.push(await ca.crl());
  }
  return content;
}

describe("push target variants", () => {
  let fixture: TargetFixture | undefined;
  const start = async (variant: PushTargetVariant) => {
    fixture = await TargetFixture.start({ variant });
    return fixture;
  };
  afterEach(async () => {
    await fixture?.dispose();
    fixture = undefined;
  });

  it("strict-order refuses a certificate for a key requested in another session", async () => {
    const target = await start("strict-order");
    const first = await target.connect();
    const certificate = await newKeyCertificate(target, first);
    await first.close();

    const second = await target.connect();
    const updated = await second.serverConfiguration("UpdateCertificate",
      [group, type, bytes(certificate), byteStrings([target.pki.certificate]), ...noKey]);
    expect(updated.statusCode.name).toBe("BadSecurityChecksFailed");
  });

  it("strict-order refuses a trust list written after the certificate", async () => {
    const target = await start("strict-order");
    const client = await target.connect();
    const certificate = await newKeyCertificate(target, client);
    const updated = await client.serverConfiguration("UpdateCertificate",
      [group, type, bytes(certificate), byteStrings([target.pki.certificate]), ...noKey]);
    expect(updated.statusCode.name).toBe("Good");
    const written = await client.writeTrustList(encodeTrustList(await trustListOfSize(target, 0)));
    expect(written.statusCode.name).toBe("BadInvalidState");
  });

  it("drop-after-apply answers ApplyChanges with Good, then drops the channel", async () => {
    const target = await start("drop-after-apply");
    const client = await target.connect();
    expect((await client.writeTrustList(encodeTrustList(await trustListOfSize(target, 1))))
      .statusCode.name).toBe("Good");
    const dropped = new Promise<void>((resolve) => client.client.once("connection_lost", resolve));
    expect((await client.serverConfiguration("ApplyChanges")).statusCode.name).toBe("Good");
    await dropped;
    expect(await target.target.trustedCertificates()).toHaveLength(2);
  });

  it("methods-elsewhere has no TrustList at the standard NodeIds, only by browsing", async () => {
    const target = await start("methods-elsewhere");
    const client = await target.connect();
    const standard = await client.call(coerceNodeId(12642), coerceNodeId(12647), [byte(1)]);
    expect(standard.statusCode.isGood()).toBe(false);
    const found = await client.trustList();
    expect(found.namespace).not.toBe(0);
    expect((await client.readTrustList()).length).toBeGreaterThan(0);
    expect((await client.writeTrustList(encodeTrustList(await trustListOfSize(target, 1))))
      .statusCode.name).toBe("Good");
    expect((await client.serverConfiguration("ApplyChanges")).statusCode.name).toBe("Good");
    expect(await target.target.trustedCertificates()).toHaveLength(2);
  });

  it("small-trust-list announces its MaxTrustListSize and refuses a larger list", async () => {
    const target = await start("small-trust-list");
    const client = await target.connect();
    const [maxSize] = await client.session.read([{
      nodeId: coerceNodeId(12640), attributeId: AttributeIds.Value }]);
    expect(maxSize!.value.value).toBe(4096);
    const large = encodeTrustList(await trustListOfSize(target, 3));
    expect(large.length).toBeGreaterThan(4096);
    expect((await client.writeTrustList(large, 1024)).statusCode.name).toBe("BadRequestTooLarge");
    const small = encodeTrustList(await trustListOfSize(target, 1));
    expect((await client.writeTrustList(small, 1024)).statusCode.name).toBe("Good");
  });

  it("down stops and comes back on the same endpoint with its PKI", async () => {
    const target = await start("down");
    const before = await target.target.servedCertificate();
    await target.target.restart();
    await target.target.stop();
    await expect(target.connect()).rejects.toThrow();
    await target.target.restart();
    const client = await target.connect();
    expect((await client.serverConfiguration("ApplyChanges")).statusCode.name)
      .toBe("BadNothingToDo");
    expect(await target.target.servedCertificate()).toEqual(before);
  });
});
