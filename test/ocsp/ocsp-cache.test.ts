import "reflect-metadata";
import { createHash } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { BasicOCSPResponse, OCSPResponse } from "@peculiar/asn1-ocsp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contextTag, objectIdentifier, octetString, sequence, tags, tlv }
  from "../../src/ca/der-writer.js";
import { readIssuerCertificate } from "../../src/ca/issuer-certificate.js";
import { subjectPublicKeyBits } from "../../src/ca/subject-public-key-info.js";
import { ManualClock } from "../../src/core/clock.js";
import type { IssuedCertificateRecord } from "../../src/core/records.js";
import { createLogger } from "../../src/log/logger.js";
import { OcspResponder } from "../../src/ocsp/ocsp-responder.js";
import { openNedbStore } from "../../src/store/nedb-store.js";
import type { GdsStore } from "../../src/store/store.js";
import { ScratchDirectory } from "../ca/openssl.js";
import { createSoftwareSigner } from "../ca/software-signer.js";
import { createTestCa, type TestCa } from "../ca/test-ca.js";

const hourMs = 3_600_000;
const start = new Date("2026-03-01T08:00:00Z");

function record(serialNumber: string): IssuedCertificateRecord {
  return {
    serialNumber, thumbprint: serialNumber.toUpperCase().padEnd(40, "0"), applicationId: "a",
    requestId: "r", certificateGroupId: "DefaultApplicationGroup",
    certificateTypeId: "RsaSha256ApplicationCertificateType", subject: "CN=x",
    notBefore: start.toISOString(), notAfter: new Date(start.getTime() + 1e10).toISOString(),
    authorityKeyId: "00", der: "", issuedAt: start.toISOString(),
  };
}

describe("OCSP answer cache", () => {
  const scratch = new ScratchDirectory();
  let ca: TestCa;
  let store: GdsStore;
  let signatures = 0;
  const clock = new ManualClock(start);

  beforeAll(async () => {
    ca = await createTestCa(scratch, new Date(start.getTime() - hourMs));
    store = await openNedbStore(undefined);
    await store.certificates.insert(record("0a0b0c"));
  });
  afterAll(async () => {
    await store.close();
    scratch.remove();
  });

  function responder(nonce: "sign" | "ignore") {
    const key = createSoftwareSigner();
    const signer = { ...key, sign: (data: Uint8Array) => (signatures++, key.sign(data)) };
    return new OcspResponder({
      issuerCertificateDer: ca.certificateDer,
      identity: { signer, certificateDer: ca.certificateDer, notAfter: new Date(2100, 0) },
      ledger: store.certificates, clock, log: createLogger({ level: "silent" }), nonce,
    });
  }

  function request(serial: string, nonceOctets?: Buffer): Buffer {
    const issuer = readIssuerCertificate(ca.certificateDer);
    const sha1 = (data: Buffer) => createHash("sha1").update(data).digest();
    const certId = sequence(sequence(objectIdentifier("1.3.14.3.2.26")),
      octetString(sha1(issuer.subject)),
      octetString(sha1(subjectPublicKeyBits(issuer.publicKeyInfo))),
      tlv(tags.integer, Buffer.from(serial, "hex")));
    const extensions = nonceOctets ? [tlv(contextTag(2, true), sequence(sequence(
      objectIdentifier("1.3.6.1.5.5.7.48.1.2"), octetString(octetString(nonceOctets)))))] : [];
    return sequence(sequence(sequence(sequence(certId)), ...extensions));
  }

  function read(der: Buffer) {
    const outer = AsnConvert.parse(der, OCSPResponse);
    const basic = AsnConvert.parse(outer.responseBytes!.response.buffer, BasicOCSPResponse);
    return basic.tbsResponseData;
  }

  it("signs once, serves the same answer until half its life, then renews it behind", async () => {
    clock.set(start);
    const ocsp = responder("sign");
    const before = signatures;
    const first = (await ocsp.answer(request("0a0b0c"))).der;
    clock.advance(hourMs);
    expect((await ocsp.answer(request("0a0b0c"))).der).toEqual(first);
    expect(signatures - before).toBe(1);

    clock.advance(hourMs + 1000);
    expect((await ocsp.answer(request("0a0b0c"))).der).toEqual(first);
    await ocsp.idle();
    const renewed = read((await ocsp.answer(request("0a0b0c"))).der);
    expect(signatures - before).toBe(2);
    expect(renewed.producedAt).toEqual(clock.now());
    expect(renewed.responses[0]!.nextUpdate).toEqual(new Date(clock.now().getTime() + 4 * hourMs));
  });

  it("signs anew when asked after nextUpdate", async () => {
    clock.set(start);
    const ocsp = responder("sign");
    await ocsp.answer(request("0a0b0c"));
    clock.advance(5 * hourMs);
    const answer = read((await ocsp.answer(request("0a0b0c"))).der);
    expect(answer.producedAt).toEqual(clock.now());
  });

  it("drops a cached good answer when the certificate is revoked", async () => {
    clock.set(start);
    await store.certificates.insert(record("0d0e0f"));
    const ocsp = responder("sign");
    expect(read((await ocsp.answer(request("0d0e0f"))).der).responses[0]!.certStatus.good)
      .toBeNull();

    await store.certificates.replace({ ...record("0d0e0f"), revokedAt: start.toISOString(),
      revocationReason: "cessationOfOperation" });
    await ocsp.revocationsChanged();
    const revoked = read((await ocsp.answer(request("0d0e0f"))).der).responses[0]!.certStatus;
    expect(revoked.revoked?.revocationTime).toEqual(start);
    expect(revoked.revoked?.revocationReason?.reason).toBe(5);
  });

  it("signs a nonce request anew by default, and never with nonces ignored", async () => {
    clock.set(start);
    const signing = responder("sign");
    const ignoring = responder("ignore");
    await signing.answer(request("0a0b0c"));
    await ignoring.answer(request("0a0b0c"));
    const before = signatures;

    const nonce = Buffer.alloc(16, 9);
    const fresh = read((await signing.answer(request("0a0b0c", nonce))).der);
    expect(fresh.responseExtensions?.[0]?.extnID).toBe("1.3.6.1.5.5.7.48.1.2");
    expect(signatures - before).toBe(1);
    const cached = read((await ignoring.answer(request("0a0b0c", nonce))).der);
    expect(cached.responseExtensions).toBeUndefined();
    expect(signatures - before).toBe(1);
  });

  it("costs one signature for a burst of the same new question", async () => {
    clock.set(start);
    const ocsp = responder("sign");
    const before = signatures;
    const answers = await Promise.all(Array.from({ length: 20 }, () =>
      ocsp.answer(request("0a0b0c"))));
    expect(signatures - before).toBe(1);
    expect(new Set(answers.map((answer) => answer.der.toString("hex"))).size).toBe(1);
  });
});
