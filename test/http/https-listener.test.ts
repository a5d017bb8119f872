import "reflect-metadata";
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { request, type RequestOptions } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApplicationCertificate } from "../../src/ca/certificate-issuer.js";
import { loadCertificateProfiles } from "../../src/ca/certificate-profile.js";
import { buildCrl } from "../../src/ca/crl-builder.js";
import { encodeDistinguishedName } from "../../src/ca/distinguished-name.js";
import { encodePem } from "../../src/ca/pem.js";
import { generateSerialNumber } from "../../src/ca/serial-number.js";
import { HttpServer, verifiedClientCertificate, type HttpsIdentity }
  from "../../src/http/http-server.js";
import { createLogger } from "../../src/log/logger.js";
import { ScratchDirectory } from "../ca/openssl.js";
import { createTestCa, type TestCa } from "../ca/test-ca.js";

describe("HTTPS listener", () => {
  const scratch = new ScratchDirectory();
  let ca: TestCa;
  let server: HttpServer;
  let url: URL;
  let identity: HttpsIdentity;
  let client: { cert: string; key: string; serialNumber: string; der: Buffer };

  async function issue(name: string, hosts: string[]) {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const profile = (await loadCertificateProfiles()).get("RsaSha256ApplicationCertificateType")!;
    const serialNumber = generateSerialNumber();
    const der = await issueApplicationCertificate({
      signer: ca.signer, issuer: { certificateDer: ca.certificateDer },
      subject: encodeDistinguishedName(`CN=${name}`),
      publicKeyInfo: publicKey.export({ type: "spki", format: "der" }),
      applicationUri: `urn:tests:${name}`, dnsNames: hosts.filter((host) => host !== "127.0.0.1"),
      ipAddresses: hosts.filter((host) => host === "127.0.0.1"), profile, serialNumber,
      notBefore: new Date(Date.now() - 60_000),
    });
    return { cert: encodePem(der, "CERTIFICATE"), serialNumber, der,
      key: privateKey.export({ type: "pkcs8", format: "pem" }) as string };
  }

  async function crl(revoked: string[]) {
    const now = new Date();
    return encodePem(await buildCrl({ signer: ca.signer, issuerCertificateDer: ca.certificateDer,
      crlNumber: BigInt(revoked.length + 1), thisUpdate: now,
      nextUpdate: new Date(now.getTime() + 86_400_000),
      revoked: revoked.map((serialNumber) => ({ serialNumber, revocationDate: now })) }),
    "X509 CRL");
  }

  beforeAll(async () => {
    ca = await createTestCa(scratch);
    const own = await issue("gds", ["127.0.0.1", "localhost"]);
    identity = { certificateChainPem: own.cert, privateKeyPem: own.key,
      caPem: encodePem(ca.certificateDer, "CERTIFICATE"), crlPem: await crl([]) };
    client = await issue("device", ["device.plant.example"]);
    server = new HttpServer({ host: "127.0.0.1", port: 0, httpsPort: 0,
      log: createLogger({ level: "silent" }) });
    server.register({ name: "whoami", listeners: ["https"], plugin: async (app) => {
      app.get("/whoami", async (req) => {
        const der = verifiedClientCertificate(req);
        return der ? new X509Certificate(der).serialNumber.toLowerCase() : "anonymous";
      });
    } });
    url = new URL(`${await server.startHttps(identity)}/whoami`);
  });

  afterAll(async () => {
    await server?.stop();
    scratch.remove();
  });

  /** One request on a new connection; the server certificate must chain to our CA. */
  function get(options: Partial<RequestOptions> = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      const call = request({ host: url.hostname, port: url.port, path: url.pathname, agent: false,
        ca: identity.caPem, servername: "localhost", ...options }, (response) => {
        let body = "";
        response.on("data", (chunk: Buffer) => (body += chunk.toString()));
        response.on("end", () => resolve(body));
      });
      call.on("error", reject);
      call.end();
    });
  }

  it("serves clients without a certificate, with a certificate our CA verifies", async () => {
    expect(await get()).toBe("anonymous");
  });

  it("hands routes a client certificate issued by our CA", async () => {
    expect(await get({ cert: client.cert, key: client.key })).toBe(client.serialNumber);
  });

  it("does not vouch for a client certificate from another CA", async () => {
    const stranger = await createTestCa(scratch);
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const profile = (await loadCertificateProfiles()).get("RsaSha256ApplicationCertificateType")!;
    const der = await issueApplicationCertificate({
      signer: stranger.signer, issuer: { certificateDer: stranger.certificateDer },
      subject: encodeDistinguishedName("CN=stranger"),
      publicKeyInfo: publicKey.export({ type: "spki", format: "der" }),
      applicationUri: "urn:tests:stranger", dnsNames: ["stranger.example"], ipAddresses: [],
      profile, serialNumber: generateSerialNumber(), notBefore: new Date(Date.now() - 60_000),
    });
    const key = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    expect(await get({ cert: encodePem(der, "CERTIFICATE"), key })).toBe("anonymous");
  });

  it("stops vouching for a client certificate once a new CRL revokes it", async () => {
    server.updateHttpsIdentity({ ...identity, crlPem: await crl([client.serialNumber]) });
    expect(await get({ cert: client.cert, key: client.key })).toBe("anonymous");
    server.updateHttpsIdentity(identity);
    expect(await get({ cert: client.cert, key: client.key })).toBe(client.serialNumber);
  });
});
