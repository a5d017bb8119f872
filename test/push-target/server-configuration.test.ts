import "reflect-metadata";
import { X509Certificate } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Pkcs10CertificateRequest } from "@peculiar/x509";
import { MessageSecurityMode, OPCUAClient } from "node-opcua";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { opensslOk } from "../ca/openssl.js";
import {
  bool, bytes, byteStrings, nodeId, serverConfigurationIds as ids, text, type TargetClient,
} from "../support/push-target/target-client.js";
import {
  admin, operator, TargetFixture, targetUri,
} from "../support/push-target/target-fixture.js";
import { TestPki } from "../support/push-target/test-pki.js";

const group = nodeId(ids.DefaultApplicationGroup);
const type = nodeId(ids.RsaSha256ApplicationCertificateType);
const nonce = bytes(Buffer.alloc(32, 7));

async function signingRequest(client: TargetClient, subject: string, regenerate: boolean) {
  return client.serverConfiguration("CreateSigningRequest",
    [group, type, text(subject), bool(regenerate), regenerate ? nonce : bytes(Buffer.alloc(0))]);
}

async function endpointCertificate(endpointUrl: string): Promise<Buffer> {
  const client = OPCUAClient.create({ endpointMustExist: false,
    connectionStrategy: { maxRetry: 0 } });
  await client.connect(endpointUrl);
  try {
    const endpoints = await client.getEndpoints();
    return Buffer.from(endpoints[0]!.serverCertificate!);
  } finally {
    await client.disconnect();
  }
}

describe("push target ServerConfiguration", () => {
  let fixture: TargetFixture;

  beforeAll(async () => {
    fixture = await TargetFixture.start({ channelCloseDelayMs: 100 });
  });
  afterAll(async () => {
    await fixture.dispose();
  });

  it("serves a new certificate on new channels once ApplyChanges has answered", async () => {
    const before = await fixture.target.servedCertificate();
    const client = await fixture.connect();
    const csr = await signingRequest(client, "CN=Renewed Target, O=Plant 4", true);
    expect(csr.statusCode.name).toBe("Good");
    const certificate = await fixture.pki.signRequest(csr.outputs[0] as Buffer, targetUri);

    const updated = await client.serverConfiguration("UpdateCertificate", [group, type,
      bytes(certificate), byteStrings([fixture.pki.certificate]), text(""),
      bytes(Buffer.alloc(0))]);
    expect(updated.statusCode.name).toBe("Good");
    expect(updated.outputs).toEqual([true]);
    expect(await fixture.target.servedCertificate()).toEqual(before);

    expect((await client.serverConfiguration("ApplyChanges")).statusCode.name).toBe("Good");
    expect(await fixture.target.servedCertificate()).toEqual(certificate);
    expect(await endpointCertificate(fixture.target.endpointUrl)).toEqual(certificate);

    // The new key really is in use: a secure channel to the new certificate works.
    const again = await fixture.connect();
    expect((await again.serverConfiguration("ApplyChanges")).statusCode.name)
      .toBe("BadNothingToDo");
  });

  it("keeps a new key for a later session, unlike the strict-order variant", async () => {
    const first = await fixture.connect();
    const csr = await signingRequest(first, "", true);
    await first.close();
    const certificate = await fixture.pki.signRequest(csr.outputs[0] as Buffer, targetUri);

    const second = await fixture.connect();
    const updated = await second.serverConfiguration("UpdateCertificate", [group, type,
      bytes(certificate), byteStrings([fixture.pki.certificate]), text(""),
      bytes(Buffer.alloc(0))]);
    expect(updated.statusCode.name).toBe("Good");
    expect((await second.serverConfiguration("ApplyChanges")).statusCode.name).toBe("Good");
    expect(await fixture.target.servedCertificate()).toEqual(certificate);
  });

  it("builds requests with the subject asked for, signed by the key it will use", async () => {
    const client = await fixture.connect();
    const csr = await signingRequest(client, "CN=a, O=b", false);
    expect(csr.statusCode.name).toBe("Good");
    const der = csr.outputs[0] as Buffer;
    const request = new Pkcs10CertificateRequest(new Uint8Array(der));
    expect(request.subject).toBe("CN=a, O=b");
    expect(await request.verify()).toBe(true);
    const served = new X509Certificate(await fixture.target.servedCertificate());
    expect(Buffer.from(request.publicKey.rawData))
      .toEqual(served.publicKey.export({ format: "der", type: "spki" }));

    const file = join(fixture.dir, "request.der");
    await writeFile(file, der);
    const text = opensslOk(["req", "-inform", "DER", "-in", file, "-noout", "-verify", "-text"]);
    expect(text).toContain(`URI:${targetUri}`);
  });

  it("refuses a new key without a nonce of 32 bytes", async () => {
    const client = await fixture.connect();
    const result = await client.serverConfiguration("CreateSigningRequest",
      [group, type, text(""), bool(true), bytes(Buffer.alloc(16, 1))]);
    expect(result.statusCode.name).toBe("BadInvalidArgument");
  });

  it("refuses a certificate from a CA outside the trust list", async () => {
    const client = await fixture.connect();
    const csr = await signingRequest(client, "", false);
    const stranger = await TestPki.create("CN=Stranger CA");
    const certificate = await stranger.signRequest(csr.outputs[0] as Buffer, targetUri);
    const updated = await client.serverConfiguration("UpdateCertificate", [group, type,
      bytes(certificate), byteStrings([stranger.certificate]), text(""), bytes(Buffer.alloc(0))]);
    expect(updated.statusCode.name).toBe("BadSecurityChecksFailed");
  });

  it("refuses a certificate for a key the target does not hold", async () => {
    const client = await fixture.connect();
    const other = await fixture.pki.clientCredentials(fixture.dir, targetUri);
    const updated = await client.serverConfiguration("UpdateCertificate", [group, type,
      bytes(other.certificate), byteStrings([]), text(""), bytes(Buffer.alloc(0))]);
    expect(updated.statusCode.name).toBe("BadSecurityChecksFailed");
  });

  it("lets only SecurityAdmin users on SignAndEncrypt channels in", async () => {
    const user = await fixture.connect(operator);
    expect((await user.serverConfiguration("ApplyChanges")).statusCode.name)
      .toBe("BadUserAccessDenied");
    expect((await user.trustListMethod("Open", [{ dataType: 3, value: 1 } as never]))
      .statusCode.name).toBe("BadUserAccessDenied");

    const signed = await fixture.connect(admin, MessageSecurityMode.Sign);
    expect((await signed.serverConfiguration("GetRejectedList")).statusCode.name)
      .toBe("BadSecurityModeInsufficient");
  });

  it("lists a client certificate it refused in GetRejectedList", async () => {
    const stranger = await TestPki.create("CN=Unknown Client CA");
    const dir = join(fixture.dir, "stranger");
    await import("node:fs/promises").then((fs) => fs.mkdir(dir, { recursive: true }));
    const credentials = await stranger.clientCredentials(dir, "urn:stranger");
    await expect(fixture.connect(admin, MessageSecurityMode.SignAndEncrypt, credentials))
      .rejects.toThrow();

    const client = await fixture.connect();
    const rejected = await client.serverConfiguration("GetRejectedList");
    expect(rejected.statusCode.name).toBe("Good");
    expect(rejected.outputs[0]).toContainEqual(credentials.certificate);
  });
});


