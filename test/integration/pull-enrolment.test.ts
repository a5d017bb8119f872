import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { coerceNodeId, MessageSecurityMode, NodeId, StatusCodes } from "node-opcua";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GdsClient } from "../../src/client/gds-client.js";
import { opensslOk, opensslRequest, ScratchDirectory } from "../ca/openssl.js";
import { GdsFixture } from "../support/gds-fixture.js";
import {
  connectClient,
  crlPem,
  decodeTrustList,
  enrol,
  expectStatus,
  pem,
  registerServer,
  serverRecord,
  startGdsWithAdmin,
  stopGdsWithAdmin,
} from "../support/enrolment.js";

describe("pull enrolment over OPC UA with the CA key in SoftHSM", () => {
  let fixture: GdsFixture;
  let admin: GdsClient;
  const scratch = new ScratchDirectory();

  beforeAll(async () => ({ fixture, admin } = await startGdsWithAdmin()));
  afterAll(() => stopGdsWithAdmin(fixture, admin, scratch));

  it("issues a certificate that OpenSSL verifies strictly against the CA and its CRL", async () => {
    const uri = "urn:plant:line1:server";
    const applicationId = await registerServer(admin, uri);
    const csr = opensslRequest(scratch, {
      subject: "/CN=Line 1 Server/O=Plant",
      subjectAltName: `URI:${uri},DNS:line1.plant.example,IP:10.1.2.3`,
    });

    const { certificate, privateKey, issuerCertificates } = await enrol(admin, applicationId, csr);

    expect(privateKey).toBeNull();
    expect(issuerCertificates).toHaveLength(1);
    const caPem = scratch.write("ca.pem", pem(issuerCertificates[0]!));
    const certPem = scratch.write("cert.pem", pem(certificate));
    expect(opensslOk(["verify", "-x509_strict", "-CAfile", caPem, certPem])).toContain("OK");

    const trustListId = (await admin.getTrustList(applicationId)).outputs[0] as NodeId;
    const trustList = decodeTrustList(await admin.readTrustList(trustListId));
    const crlFile = scratch.write("ca.crl.pem", crlPem(trustList.trustedCrls![0]!));
    const withCrl = ["verify", "-x509_strict", "-crl_check", "-CAfile", caPem, "-CRLfile", crlFile];
    expect(opensslOk([...withCrl, certPem])).toContain("OK");

    const x509 = new X509Certificate(certificate);
    expect(x509.subjectAltName).toContain(`URI:${uri}`);
    expect(x509.subjectAltName).toContain("DNS:line1.plant.example");
    expect(x509.subjectAltName).toContain("IP Address:10.1.2.3");
    expect(x509.ca).toBe(false);
    const text = opensslOk(["x509", "-in", certPem, "-noout", "-text"]);
    expect(text).toMatch(/Digital Signature, Non Repudiation, Key Encipherment, Data Encipherment/);
    expect(text).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(text).toContain("X509v3 Authority Key Identifier");
    expect(text).toContain("X509v3 Subject Key Identifier");
  });

  it("uses the hosts of the registered DiscoveryUrls when the request names none", async () => {
    const uri = "urn:plant:line2:server";
    const applicationId = await registerServer(admin, uri);
    const csr = opensslRequest(scratch, { subject: "/CN=Line 2", subjectAltName: `URI:${uri}` });

    const { certificate } = await enrol(admin, applicationId, csr);

    expect(new X509Certificate(certificate).subjectAltName).toBe(`URI:${uri}, DNS:plant-host`);
  });

  it("serves the CA certificate and its current CRL through the TrustList file methods",
    async () => {
    const applicationId = await registerServer(admin, "urn:plant:trustlist-reader");
    const result = await admin.getTrustList(applicationId, admin.defaultApplicationGroup);
    expectStatus(result.statusCode, StatusCodes.Good);

    const trustList = decodeTrustList(await admin.readTrustList(result.outputs[0] as NodeId, 100));

    expect(trustList.trustedCertificates).toHaveLength(1);
    expect(trustList.trustedCrls).toHaveLength(1);
    const ca = new X509Certificate(trustList.trustedCertificates![0]!);
    expect(ca.ca).toBe(true);
    const caPem = scratch.write("ca-from-trustlist.pem", ca.toString());
    const crlFile = scratch.write("trustlist.crl.pem", crlPem(trustList.trustedCrls![0]!));
    const crlText = opensslOk(["crl", "-in", crlFile, "-CAfile", caPem, "-noout", "-text"]);
    expect(crlText).toContain("No Revoked Certificates");
  });

  it("reports whether an application needs a new certificate", async () => {
    const uri = "urn:plant:status";
    const applicationId = await registerServer(admin, uri);
    const before = await admin.getCertificateStatus(applicationId);
    expectStatus(before.statusCode, StatusCodes.Good);
    expect(before.outputs[0]).toBe(true);

    await enrol(admin, applicationId, opensslRequest(scratch, { subjectAltName: `URI:${uri}` }));

    const after = await admin.getCertificateStatus(applicationId);
    expect(after.outputs[0]).toBe(false);
  });

  it("refuses every certificate method to an anonymous session", async () => {
    const anonymous = await connectClient(fixture, { user: null });
    try {
      const denied = await anonymous.registerApplication(serverRecord("urn:anon:app"));
      expectStatus(denied.statusCode, StatusCodes.BadUserAccessDenied);
      const found = await anonymous.findApplications("urn:plant:line1:server");
      expectStatus(found.statusCode, StatusCodes.Good);
      const [record] = found.outputs[0] as Array<{ applicationId: NodeId }>;
      const start = await anonymous.startSigningRequest(record!.applicationId, Buffer.from([1]));
      expectStatus(start.statusCode, StatusCodes.BadUserAccessDenied);
    } finally {
      await anonymous.close();
    }
  });

  it("requires a SignAndEncrypt channel for certificate methods", async () => {
    const signOnly = await connectClient(fixture, { mode: MessageSecurityMode.Sign });
    try {
      const found = await signOnly.findApplications("urn:plant:line1:server");
      const [record] = found.outputs[0] as Array<{ applicationId: NodeId }>;
      const start = await signOnly.startSigningRequest(record!.applicationId, Buffer.from([1]));
      expectStatus(start.statusCode, StatusCodes.BadSecurityModeInsufficient);
    } finally {
      await signOnly.close();
    }
  });

  it("answers bad requests with the Part 12 status codes", async () => {
    const uri = "urn:plant:bad-input";
    const applicationId = await registerServer(admin, uri);
    const other = await registerServer(admin, "urn:plant:other");

    const again = await admin.registerApplication(serverRecord(uri));
    expectStatus(again.statusCode, StatusCodes.BadEntryExists);
    const renamed = await admin.updateApplication({
      ...serverRecord("urn:plant:renamed"), applicationId });
    expectStatus(renamed.statusCode, StatusCodes.BadWriteNotSupported);
    const noName = await admin.registerApplication({
      ...serverRecord("urn:plant:no-name"), applicationNames: [] });
    expectStatus(noName.statusCode, StatusCodes.BadInvalidArgument);
    const noUrl = await admin.registerApplication({
      ...serverRecord("urn:plant:no-url"), discoveryUrls: [] });
    expectStatus(noUrl.statusCode, StatusCodes.BadInvalidArgument);

    const unknown = new NodeId(NodeId.NodeIdType.GUID, "00000000-0000-0000-0000-000000000001",
      applicationId.namespace);
    expectStatus((await admin.getApplication(unknown)).statusCode, StatusCodes.BadNotFound);
    expectStatus((await admin.getCertificateStatus(unknown)).statusCode, StatusCodes.BadNotFound);

    const garbage = await admin.startSigningRequest(applicationId, Buffer.from("not a csr"));
    expectStatus(garbage.statusCode, StatusCodes.BadInvalidArgument);
    const foreign = opensslRequest(scratch, { subjectAltName: "URI:urn:someone:else" });
    const foreignResult = await admin.startSigningRequest(applicationId, foreign);
    expectStatus(foreignResult.statusCode, StatusCodes.BadCertificateUriInvalid);
    const csr = opensslRequest(scratch, { subjectAltName: `URI:${uri}` });
    const wrongGroup = await admin.startSigningRequest(applicationId, csr, admin.nodeId(9999));
    expectStatus(wrongGroup.statusCode, StatusCodes.BadInvalidArgument);
    const httpsType = coerceNodeId("i=12558");
    const wrongType = await admin.startSigningRequest(applicationId, csr,
      admin.defaultApplicationGroup, httpsType);
    expectStatus(wrongType.statusCode, StatusCodes.BadInvalidArgument);
    const noGroup = await admin.getTrustList(applicationId, admin.nodeId(9999));
    expectStatus(noGroup.statusCode, StatusCodes.BadNotFound);

    const { requestId } = await enrol(admin, applicationId,
      opensslRequest(scratch, { subjectAltName: `URI:${uri}` }));
    const stolen = await admin.finishRequest(other, requestId);
    expectStatus(stolen.statusCode, StatusCodes.BadInvalidArgument);
  });

  it("keeps its token, CA, applications and certificates across a restart", async () => {
    const uri = "urn:plant:restart";
    const applicationId = await registerServer(admin, uri);
    const issued = await enrol(admin, applicationId,
      opensslRequest(scratch, { subjectAltName: `URI:${uri}` }));
    await admin.close();

    await fixture.stop();
    await fixture.start({ adminPassword: "a different password is ignored" });
    admin = await connectClient(fixture);

    const again = await admin.finishRequest(applicationId, issued.requestId);
    expectStatus(again.statusCode, StatusCodes.Good);
    expect(again.outputs[0]).toEqual(issued.certificate);
    expect((again.outputs[2] as Buffer[])[0]).toEqual(issued.issuerCertificates[0]);
    const found = await admin.findApplications(uri);
    expect(found.outputs[0]).toHaveLength(1);
  });

  it("never writes a PIN or password to its logs", async () => {
    const userPin = (await readFile(join(fixture.dataDir, "hsm", "user.pin"), "utf8")).trim();
    const soPin = (await readFile(join(fixture.dataDir, "hsm", "so.pin"), "utf8")).trim();
    const output = fixture.output();

    expect(output).toContain("listening");
    for (const secret of [userPin, soPin, "correct horse battery staple 7"]) {
      expect(secret.length).toBeGreaterThan(5);
      expect(output).not.toContain(secret);
    }
  });
});
