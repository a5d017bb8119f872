import { X509Certificate } from "node:crypto";
import { DataType, NodeId, StatusCodes, Variant } from "node-opcua";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GdsClient } from "../../src/client/gds-client.js";
import {
  opensslKeyedRequest, opensslOk, opensslRequest, ScratchDirectory,
} from "../ca/openssl.js";
import { GdsFixture } from "../support/gds-fixture.js";
import {
  crlPem,
  decodeTrustList,
  enrol,
  expectStatus,
  pem,
  registerServer,
  startGdsWithAdmin,
  stopGdsWithAdmin,
} from "../support/enrolment.js";

const text = (value: string) => new Variant({ dataType: DataType.String, value });
const bytes = (value: Buffer) => new Variant({ dataType: DataType.ByteString, value });

describe("revocation", () => {
  let fixture: GdsFixture;
  let admin: GdsClient;
  const scratch = new ScratchDirectory();

  beforeAll(async () => ({ fixture, admin } = await startGdsWithAdmin()));
  afterAll(() => stopGdsWithAdmin(fixture, admin, scratch));

  async function enrolled(uri: string) {
    const applicationId = await registerServer(admin, uri);
    const issued = await enrol(admin, applicationId,
      opensslRequest(scratch, { subjectAltName: `URI:${uri}` }));
    const serial = new X509Certificate(issued.certificate).serialNumber;
    return { applicationId, ...issued, serial };
  }

  async function trustList(applicationId: NodeId) {
    const trustListId = (await admin.getTrustList(applicationId)).outputs[0] as NodeId;
    return decodeTrustList(await admin.readTrustList(trustListId));
  }

  async function revocationStatus(certificate: Buffer) {
    const result = await admin.callProductMethod(["Directory", "CheckRevocationStatus"],
      [bytes(certificate)]);
    expectStatus(result.statusCode, StatusCodes.Good);
    return (result.outputs[0] as { name: string }).name;
  }

  it("never certifies again a key revoked as compromised", async () => {
    const uri = "urn:plant:revocation:compromised";
    const applicationId = await registerServer(admin, uri);
    const { request, key } = opensslKeyedRequest(scratch, { subjectAltName: `URI:${uri}` });
    const issued = await enrol(admin, applicationId, request);
    const serial = new X509Certificate(issued.certificate).serialNumber;
    const revoked = await admin.callProductMethod(
      ["SecurityHandler", "RevokeCertificateBySerial"], [text(serial), text("keyCompromise")]);
    expectStatus(revoked.statusCode, StatusCodes.Good);

    const keyFile = scratch.write("compromised.key", key);
    opensslOk(["req", "-new", "-key", keyFile, "-subj", "/CN=again", "-addext",
      `subjectAltName=URI:${uri}`, "-outform", "DER", "-out", scratch.file("again.der")]);
    const again = await admin.startSigningRequest(applicationId, scratch.read("again.der"));
    expectStatus(again.statusCode, StatusCodes.BadInvalidArgument);
  });

  it("puts a revoked certificate in the next CRL that the trust list serves", async () => {
    const good = await enrolled("urn:plant:revocation:good");
    const bad = await enrolled("urn:plant:revocation:bad");
    const before = await trustList(bad.applicationId);
    const crlBefore = opensslOk(["crl", "-in", scratch.write("before.pem",
      crlPem(before.trustedCrls![0]!)), "-noout", "-crlnumber"]);

    const revoked = await admin.callProductMethod(["SecurityHandler", "RevokeCertificateBySerial"],
      [text(bad.serial), text("keyCompromise")]);
    expectStatus(revoked.statusCode, StatusCodes.Good);

    const after = await trustList(bad.applicationId);
    const crlFile = scratch.write("after.pem", crlPem(after.trustedCrls![0]!));
    const crlText = opensslOk(["crl", "-in", crlFile, "-noout", "-text"]);
    expect(crlText).toContain(bad.serial.toUpperCase());
    expect(crlText).toContain("Key Compromise");
    const crlAfter = opensslOk(["crl", "-in", crlFile, "-noout", "-crlnumber"]);
    const crlNumber = (line: string) => parseInt(line.split("=")[1]!, 16);
    expect(crlNumber(crlAfter)).toBeGreaterThan(crlNumber(crlBefore));

    const caPem = scratch.write("ca.pem", pem(bad.issuerCertificates[0]!));
    const verify = ["verify", "-crl_check", "-CAfile", caPem, "-CRLfile", crlFile];
    const goodFile = scratch.write("good.pem", pem(good.certificate));
    expect(opensslOk([...verify, goodFile])).toContain("OK");
    expect(() => opensslOk([...verify, scratch.write("bad.pem", pem(bad.certificate))]))
      .toThrow(/revoked/);

    expect(await revocationStatus(bad.certificate)).toBe("BadCertificateRevoked");
    expect(await revocationStatus(good.certificate)).toBe("Good");
    expect((await admin.getCertificateStatus(bad.applicationId)).outputs[0]).toBe(true);
    expect((await admin.getCertificateStatus(good.applicationId)).outputs[0]).toBe(false);
  });

  it("answers Unknown for a certificate it did not issue, and refuses garbage", async () => {
    const foreign = opensslOk(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=x",
      "-keyout", scratch.file("foreign.key"), "-out", scratch.file("foreign.pem")]);
    void foreign;
    const der = new X509Certificate(scratch.read("foreign.pem")).raw;
    expect(await revocationStatus(der)).toBe("BadCertificateRevocationUnknown");

    const garbage = await admin.callProductMethod(["Directory", "CheckRevocationStatus"],
      [bytes(Buffer.from("not a certificate"))]);
    expectStatus(garbage.statusCode, StatusCodes.BadInvalidArgument);
  });

  it("revokes an application's certificates when it is unregistered", async () => {
    const leaving = await enrolled("urn:plant:revocation:leaving");
    expectStatus((await admin.unregisterApplication(leaving.applicationId)).statusCode,
      StatusCodes.Good);
    expect(await revocationStatus(leaving.certificate)).toBe("BadCertificateRevoked");
  });

  it("revokes through the Part 12 RevokeCertificate method and refuses bad reasons", async () => {
    const target = await enrolled("urn:plant:revocation:part12");
    const other = await enrolled("urn:plant:revocation:other");
    const wrongApplication = await admin.callProductMethod(["Directory", "RevokeCertificate"],
      [new Variant({ dataType: DataType.NodeId, value: other.applicationId }),
        bytes(target.certificate)]);
    expectStatus(wrongApplication.statusCode, StatusCodes.BadInvalidArgument);

    const badReason = await admin.callProductMethod(
      ["SecurityHandler", "RevokeCertificateBySerial"],
      [text(target.serial), text("because")]);
    expectStatus(badReason.statusCode, StatusCodes.BadInvalidArgument);
    const unknownSerial = await admin.callProductMethod(
      ["SecurityHandler", "RevokeCertificateBySerial"], [text("0abc"), text("superseded")]);
    expectStatus(unknownSerial.statusCode, StatusCodes.BadNotFound);

    const revoked = await admin.callProductMethod(["Directory", "RevokeCertificate"],
      [new Variant({ dataType: DataType.NodeId, value: target.applicationId }),
        bytes(target.certificate)]);
    expectStatus(revoked.statusCode, StatusCodes.Good);
    expect(await revocationStatus(target.certificate)).toBe("BadCertificateRevoked");
  });

  it("lists the current certificates of an application and leaves revoked ones out", async () => {
    const holder = await enrolled("urn:plant:revocation:holder");
    const listed = await admin.callProductMethod(["Directory", "GetCertificates"], [
      new Variant({ dataType: DataType.NodeId, value: holder.applicationId }),
      new Variant({ dataType: DataType.NodeId, value: admin.defaultApplicationGroup })]);
    expectStatus(listed.statusCode, StatusCodes.Good);
    expect(listed.outputs[1]).toEqual([holder.certificate]);
  });
});
