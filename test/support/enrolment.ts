import { X509Certificate } from "node:crypto";
import {
  BinaryStream, MessageSecurityMode, NodeId, StatusCodes, type StatusCode,
} from "node-opcua";
import { TrustListDataType } from "node-opcua-types";
import { join } from "node:path";
import { expect } from "vitest";
import { GdsClient, type ApplicationRecordOptions } from "../../src/client/gds-client.js";
import { adminPassword, GdsFixture } from "./gds-fixture.js";

let clients = 0;

/** A client of the fixture's GDS, signed in as admin over SignAndEncrypt unless told otherwise. */
export async function connectClient(
  fixture: GdsFixture,
  options: {
    user?: { userName: string; password: string } | null;
    mode?: MessageSecurityMode;
    userCertificate?: { certificate: Buffer; privateKeyPem: string };
  } = {},
): Promise<GdsClient> {
  clients += 1;
  return GdsClient.connect({
    endpointUrl: fixture.endpointUrl,
    pkiDir: join(fixture.dataDir, `client-pki-${clients}`),
    securityMode: options.mode ?? MessageSecurityMode.SignAndEncrypt,
    authority: fixture.gds && {
      certificate: fixture.gds.authority.certificate(),
      crl: fixture.gds.authority.crl(),
    },
    userCertificate: options.userCertificate,
    user: options.user === null ? undefined
      : options.user ?? { userName: "admin", password: adminPassword },
  });
}

export function serverRecord(
  applicationUri: string,
  host = "plant-host",
): ApplicationRecordOptions {
  return {
    applicationUri,
    applicationType: 0,
    applicationNames: [{ locale: "en", text: `Server ${applicationUri}` }],
    productUri: "urn:example:product",
    discoveryUrls: [`opc.tcp://${host}:4840`],
    serverCapabilities: [],
  };
}

export function expectStatus(actual: StatusCode, expected: StatusCode): void {
  expect(actual.name).toBe(expected.name);
}

export async function registerServer(client: GdsClient, applicationUri: string): Promise<NodeId> {
  const registered = await client.registerApplication(serverRecord(applicationUri));
  expectStatus(registered.statusCode, StatusCodes.Good);
  return registered.outputs[0] as NodeId;
}

/** StartSigningRequest then FinishRequest; returns the certificate and the issuer chain. */
export async function enrol(client: GdsClient, applicationId: NodeId, csr: Buffer) {
  const started = await client.startSigningRequest(applicationId, csr);
  expectStatus(started.statusCode, StatusCodes.Good);
  const requestId = started.outputs[0] as NodeId;
  const finished = await client.finishRequest(applicationId, requestId);
  expectStatus(finished.statusCode, StatusCodes.Good);
  return {
    requestId,
    certificate: finished.outputs[0] as Buffer,
    privateKey: finished.outputs[1] as Buffer | null,
    issuerCertificates: finished.outputs[2] as Buffer[],
  };
}

export function decodeTrustList(data: Buffer): TrustListDataType {
  const value = new TrustListDataType();
  value.decode(new BinaryStream(data));
  return value;
}

export function pem(der: Buffer): string {
  return new X509Certificate(der).toString();
}

export function crlPem(der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN X509 CRL-----\n${lines.join("\n")}\n-----END X509 CRL-----\n`;
}

/** A started GDS and an admin client of it, for a describe block's beforeAll. */
export async function startGdsWithAdmin(
  config?: Record<string, unknown>,
): Promise<{ fixture: GdsFixture; admin: GdsClient }> {
  const fixture = await GdsFixture.create({}, config);
  await fixture.start();
  return { fixture, admin: await connectClient(fixture) };
}

/** The afterAll of startGdsWithAdmin: each part may be missing if the start failed. */
export async function stopGdsWithAdmin(
  fixture: GdsFixture | undefined,
  admin: GdsClient | undefined,
  scratch?: { remove(): void },
): Promise<void> {
  await admin?.close();
  await fixture?.dispose();
  scratch?.remove();
}
