import "reflect-metadata";
import { AsnConvert } from "@peculiar/asn1-schema";
import { BasicOCSPResponse, OCSPResponse, OCSPResponseStatus } from "@peculiar/asn1-ocsp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contextTag, objectIdentifier, octetString, sequence, sequenceOf, tags, tlv }
  from "../../src/ca/der-writer.js";
import { encodePem } from "../../src/ca/pem.js";
import { opensslOk, ScratchDirectory } from "../ca/openssl.js";
import { GdsFixture } from "../support/gds-fixture.js";
import { issueTo } from "./ocsp-fixture.js";

const md5 = "1.2.840.113549.2.5";
const sha1 = "1.3.14.3.2.26";
const nonceOid = "1.3.6.1.5.5.7.48.1.2";

/** Reads an answer with an ASN.1 library of its own, independent of the responder's code. */
function decode(der: Buffer) {
  const response = AsnConvert.parse(der, OCSPResponse);
  const basic = response.responseBytes
    ? AsnConvert.parse(response.responseBytes.response.buffer, BasicOCSPResponse) : undefined;
  return { status: response.responseStatus, basic };
}

/** CertID fields from a request openssl made, to rebuild variants of it by hand. */
function certIdOf(request: Buffer) {
  // OCSPRequest > TBSRequest > requestList > Request > CertID, each the first element.
  let at = 0;
  for (let depth = 0; depth < 4; depth++) at += headerLength(request, at);
  const length = request[at + 1]!;
  return request.subarray(at, at + 2 + length);
}

function headerLength(der: Buffer, at: number): number {
  const first = der[at + 1]!;
  return first < 0x80 ? 2 : 2 + (first & 0x7f);
}

function requestOf(certIds: Buffer[], extensions: Buffer[] = []): Buffer {
  const fields = [sequenceOf(certIds.map((certId) => sequence(certId)))];
  if (extensions.length) fields.push(tlv(contextTag(2, true), sequence(...extensions)));
  return sequence(sequence(...fields));
}

function certId(hashOid: string, nameHash: Buffer, keyHash: Buffer, serial: Buffer): Buffer {
  return sequence(sequence(objectIdentifier(hashOid)), octetString(nameHash),
    octetString(keyHash), tlv(tags.integer, serial));
}

function nonce(octets: number): Buffer {
  return sequence(objectIdentifier(nonceOid), octetString(octetString(Buffer.alloc(octets, 7))));
}

describe("OCSP requests that are wrong in every way", () => {
  let fixture: GdsFixture;
  const scratch = new ScratchDirectory();
  let url: string;
  let valid: Buffer;
  let serial: Buffer;

  beforeAll(async () => {
    fixture = await GdsFixture.create();
    const gds = await fixture.start();
    url = `${gds.http.httpUrl}/ocsp`;
    const caFile = scratch.write("ca.pem", encodePem(gds.authority.certificate(), "CERTIFICATE"));
    const { file, record } = await issueTo(gds, scratch, "corpus");
    opensslOk(["ocsp", "-issuer", caFile, "-cert", file, "-no_nonce",
      "-reqout", scratch.file("valid.req")]);
    valid = scratch.read("valid.req");
    serial = Buffer.from(record.serialNumber, "hex");
  });

  afterAll(async () => {
    await fixture?.dispose();
    scratch.remove();
  });

  const post = async (body: Buffer | string, type = "application/ocsp-request") => {
    const response = await fetch(url, { method: "POST", headers: { "Content-Type": type },
      body: typeof body === "string" ? body : new Uint8Array(body) });
    return { http: response.status, body: Buffer.from(await response.arrayBuffer()) };
  };
  const answerOf = async (body: Buffer) => {
    const { http, body: der } = await post(body);
    expect(http).toBe(200);
    return decode(der);
  };

  it.each([
    ["a truncated request", () => valid.subarray(0, valid.length - 5)],
    ["garbage", () => Buffer.from("this is not DER at all, just text")],
    ["an empty body", () => Buffer.alloc(0)],
    ["trailing bytes", () => Buffer.concat([valid, Buffer.from([0, 0])])],
    ["an indefinite length",
      () => Buffer.concat([Buffer.from([0x30, 0x80]), valid, Buffer.alloc(2)])],
    ["no CertID", () => requestOf([])],
    ["seventeen CertIDs", () => requestOf(Array(17).fill(certIdOf(valid)))],
    ["a serial number with a redundant leading zero octet",
      () => requestOf([certId(sha1, Buffer.alloc(20, 1), Buffer.alloc(20, 2),
        Buffer.from("002a5ddda2", "hex"))])],
  ])("answers %s with malformedRequest", async (_name, body) => {
    const answer = await answerOf(body());
    expect(answer.status).toBe(OCSPResponseStatus.malformedRequest);
    expect(answer.basic).toBeUndefined();
  });

  it("answers a CertID hashed with MD5 with unauthorized", async () => {
    const id = certId(md5, Buffer.alloc(16, 1), Buffer.alloc(16, 2), serial);
    expect((await answerOf(requestOf([id]))).status).toBe(OCSPResponseStatus.unauthorized);
  });

  it("answers a CertID of another CA with unauthorized", async () => {
    const id = certId(sha1, Buffer.alloc(20, 1), Buffer.alloc(20, 2), serial);
    expect((await answerOf(requestOf([id]))).status).toBe(OCSPResponseStatus.unauthorized);
  });

  it("answers every CertID of a request for several certificates in one signed answer",
    async () => {
      const answer = await answerOf(requestOf([certIdOf(valid), certIdOf(valid)]));
      expect(answer.status).toBe(OCSPResponseStatus.successful);
      expect(answer.basic!.tbsResponseData.responses).toHaveLength(2);
    });

  it("echoes a nonce of 32 octets and leaves out one of 33", async () => {
    const echoed = await answerOf(requestOf([certIdOf(valid)], [nonce(32)]));
    const extensions = echoed.basic!.tbsResponseData.responseExtensions ?? [];
    expect(extensions.map((extension) => extension.extnID)).toEqual([nonceOid]);

    const tooLong = await answerOf(requestOf([certIdOf(valid)], [nonce(33)]));
    expect(tooLong.status).toBe(OCSPResponseStatus.successful);
    expect(tooLong.basic!.tbsResponseData.responseExtensions).toBeUndefined();
  });

  it("refuses other media types with 415 and a huge body with 413", async () => {
    expect((await post(valid, "application/octet-stream")).http).toBe(415);
    expect((await post('{"serial":"1"}', "application/json")).http).toBe(415);
    expect((await post("serial=1", "text/plain")).http).toBe(415);
    expect((await post(Buffer.alloc(1024 * 1024, 0x30))).http).toBe(413);
  });

  it.each([
    ["characters outside base64", "!!!!"],
    ["percent-encoded characters outside base64", "%21%2A%3F%3F"],
    ["a lone base64 character", "A"],
    ["base64 of garbage", encodeURIComponent(Buffer.from("garbage").toString("base64"))],
  ])("answers a GET with %s with malformedRequest", async (_name, path) => {
    const response = await fetch(`${url}/${path}`);
    expect(response.status).toBe(200);
    const answer = decode(Buffer.from(await response.arrayBuffer()));
    expect(answer.status).toBe(OCSPResponseStatus.malformedRequest);
  });

  it("refuses a GET whose percent-encoding is broken with 400, as any URL that is not one",
    async () => {
      expect((await fetch(`${url}/MIIB%zz`)).status).toBe(400);
    });

  it("still answers a valid request after all of the above", async () => {
    const answer = await answerOf(valid);
    expect(answer.status).toBe(OCSPResponseStatus.successful);
    expect(answer.basic!.tbsResponseData.responses[0]!.certStatus.good).toBeNull();
    const base64url = valid.toString("base64url");
    const byGet = await fetch(`${url}/${base64url}`);
    expect(decode(Buffer.from(await byGet.arrayBuffer())).status)
      .toBe(OCSPResponseStatus.successful);
  });
});
