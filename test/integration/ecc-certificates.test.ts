import { createPrivateKey, X509Certificate } from "node:crypto";
import {
  AttributeIds,
  coerceNodeId,
  DataType,
  NodeId,
  StatusCodes,
  Variant,
  VariantArrayType,
} from "node-opcua";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GdsClient } from "../../src/client/gds-client.js";
import { opensslOk, opensslRequest, ScratchDirectory } from "../ca/openssl.js";
import { GdsFixture } from "../support/gds-fixture.js";
import {
  crlPem,
  expectStatus,
  pem,
  registerServer,
  startGdsWithAdmin,
  stopGdsWithAdmin,
} from "../support/enrolment.js";

const nodeId = (value: NodeId) => new Variant({ dataType: DataType.NodeId, value });
const text = (value: string) => new Variant({ dataType: DataType.String, value });
const eccP256 = coerceNodeId("i=23538");
const eccP384 = coerceNodeId("i=23539");

describe("ECC certificate types in the DefaultApplicationGroup", () => {
  let fixture: GdsFixture;
  let admin: GdsClient;
  const scratch = new ScratchDirectory();

  const ecRequest = (uri: string, curve: "P-256" | "P-384") => opensslRequest(scratch, {
    newKey: "ec", extraArgs: ["-pkeyopt", `ec_paramgen_curve:${curve}`],
    subject: "/CN=ECC Server/O=Plant", subjectAltName: `URI:${uri},DNS:ecc.plant.example`,
  });
  const finish = async (applicationId: NodeId, started: { statusCode: unknown;
    outputs: unknown[] }) => {
    expectStatus(started.statusCode as never, StatusCodes.Good);
    const finished = await admin.finishRequest(applicationId, started.outputs[0] as NodeId);
    expectStatus(finished.statusCode, StatusCodes.Good);
    return finished.outputs;
  };
  /** OpenSSL's strict verification against the CA and its CRL, then the certificate's text. */
  const verified = (certificate: Buffer) => {
    const ca = scratch.write("ca.pem", pem(fixture.gds!.authority.certificate()));
    const crl = scratch.write("ca.crl.pem", crlPem(fixture.gds!.authority.crl()));
    const file = scratch.write("ecc.pem", pem(certificate));
    expect(opensslOk(["verify", "-x509_strict", "-crl_check", "-CAfile", ca, "-CRLfile", crl,
      file])).toContain("OK");
    return opensslOk(["x509", "-in", file, "-noout", "-text"]);
  };

  beforeAll(async () => ({ fixture, admin } = await startGdsWithAdmin()));
  afterAll(() => stopGdsWithAdmin(fixture, admin, scratch));

  it("lists the ECC types in the group's CertificateTypes", async () => {
    const groups = await admin.getCertificateGroups(
      await registerServer(admin, "urn:plant:ecc:groups"));
    expect((groups.outputs[0] as NodeId[]).map(String))
      .toContain(admin.defaultApplicationGroup.toString());
    const types = await admin.session.read({ nodeId: admin.nodeId(648),
      attributeId: AttributeIds.Value });
    expect((types.value.value as NodeId[]).map(String))
      .toEqual(["ns=0;i=12560", "ns=0;i=23538", "ns=0;i=23539"]);
  });

  for (const [type, curve, openSslCurve] of [
    [eccP256, "P-256", "prime256v1"], [eccP384, "P-384", "secp384r1"],
  ] as const) {
    it(`signs an ECDSA ${curve} request with the RSA CA; OpenSSL verifies it`, async () => {
      const uri = `urn:plant:ecc:${curve}`;
      const applicationId = await registerServer(admin, uri);
      const [certificate] = await finish(applicationId, await admin.startSigningRequest(
        applicationId, ecRequest(uri, curve), admin.defaultApplicationGroup, type));

      const textForm = verified(certificate as Buffer);
      expect(textForm).toContain(`ASN1 OID: ${openSslCurve}`);
      expect(textForm).toMatch(/Key Usage: critical\s+Digital Signature, Non Repudiation\n/);
      expect(textForm).not.toMatch(/Encipherment/);
      expect(textForm).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
      expect(textForm).toContain("Signature Algorithm: sha256WithRSAEncryption");
      expect(new X509Certificate(certificate as Buffer).subjectAltName).toContain(`URI:${uri}`);

      const status = await admin.getCertificateStatus(applicationId,
        admin.defaultApplicationGroup, type);
      expectStatus(status.statusCode, StatusCodes.Good);
      expect(status.outputs[0]).toBe(false);
    });
  }

  it("refuses a request whose key or signature does not fit the type", async () => {
    const uri = "urn:plant:ecc:refused";
    const applicationId = await registerServer(admin, uri);
    const start = (csr: Buffer, type: NodeId) =>
      admin.startSigningRequest(applicationId, csr, admin.defaultApplicationGroup, type);

    expectStatus((await start(ecRequest(uri, "P-384"), eccP256)).statusCode,
      StatusCodes.BadInvalidArgument);
    expectStatus((await start(opensslRequest(scratch, { subjectAltName: `URI:${uri}` }),
      eccP256)).statusCode, StatusCodes.BadInvalidArgument);
    expectStatus((await start(ecRequest(uri, "P-256"), eccP384)).statusCode,
      StatusCodes.BadInvalidArgument);

    // The last octet belongs to the ECDSA signature's s value: the request still parses.
    const tampered = Buffer.from(ecRequest(uri, "P-256"));
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 0x01, tampered.length - 1);
    expectStatus((await start(tampered, eccP256)).statusCode, StatusCodes.BadInvalidArgument);
    expectStatus((await start(ecRequest(uri, "P-256"), eccP256)).statusCode, StatusCodes.Good);
  });

  it("generates an EC key pair for StartNewKeyPairRequest on the type's curve", async () => {
    const applicationId = await registerServer(admin, "urn:plant:ecc:generated");
    const [certificate, privateKey] = await finish(applicationId, await admin.call(154, [
      nodeId(applicationId), nodeId(admin.defaultApplicationGroup), nodeId(eccP384),
      text("CN=Generated ECC/O=Plant"), new Variant({ dataType: DataType.String,
        arrayType: VariantArrayType.Array, value: ["gen-ecc.plant.example"] }),
      text("PEM"), text("")]));

    const key = createPrivateKey(privateKey as Buffer);
    expect(key.asymmetricKeyType).toBe("ec");
    expect(key.asymmetricKeyDetails?.namedCurve).toBe("secp384r1");
    const x509 = new X509Certificate(certificate as Buffer);
    expect(x509.checkPrivateKey(key)).toBe(true);
    expect(verified(certificate as Buffer)).toContain("ASN1 OID: secp384r1");
  });

  it("packages a generated P-256 key as a PFX that OpenSSL opens", async () => {
    const applicationId = await registerServer(admin, "urn:plant:ecc:pfx");
    const [certificate, pfx] = await finish(applicationId, await admin.call(154, [
      nodeId(applicationId), nodeId(admin.defaultApplicationGroup), nodeId(eccP256),
      text("CN=PFX ECC"), new Variant({ dataType: DataType.String,
        arrayType: VariantArrayType.Array, value: [] }), text("PFX"), text("pfx password 1")]));
    const file = scratch.write("ecc.pfx", pfx as Buffer);
    const key = opensslOk(["pkcs12", "-in", file, "-passin", "pass:pfx password 1", "-nocerts",
      "-nodes"]);
    expect(createPrivateKey(key).asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    expect(new X509Certificate(certificate as Buffer).checkPrivateKey(createPrivateKey(key)))
      .toBe(true);
  });
});
