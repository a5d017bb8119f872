import { X509Certificate } from "node:crypto";
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { opensslOk, ScratchDirectory } from "../ca/openssl.js";
import { RestFixture } from "../rest/rest-fixture.js";

/**
 * curl, the independent EST client of these tests. It runs asynchronously: the server under
 * test lives in this process, so a synchronous child would block it.
 */
function curl(args: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    execFile("curl", ["-sS", "-o", "-", "-w", "\n%{http_code}", ...args], { encoding: "utf8" },
      (error, stdout) => {
        if (error && !stdout) return reject(error);
        const cut = stdout.lastIndexOf("\n");
        resolve({ status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) });
      });
  });
}

let fixture: RestFixture;
let scratch: ScratchDirectory;
let token: string;
let caFile: string;

beforeAll(async () => {
  fixture = await RestFixture.start();
  scratch = new ScratchDirectory();
  caFile = scratch.write("ca.pem", fixture.caPem);
  token = await fixture.token();
});

afterAll(async () => {
  await fixture?.dispose();
  scratch?.remove();
});

const est = (path: string) => `${fixture.httpsUrl}/.well-known/est/${path}`;

/** An RSA key and CSR made by `openssl req`; the CSR is written as base64 DER for EST. */
function request(name: string, subject: string, san: string): { key: string; body: string } {
  const key = scratch.file(`${name}.key`);
  const der = scratch.file(`${name}.der`);
  opensslOk(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-subj", subject,
    "-addext", `subjectAltName=${san}`, "-outform", "DER", "-out", der]);
  const body = scratch.file(`${name}.b64`);
  opensslOk(["base64", "-in", der, "-out", body]);
  return { key, body };
}

/** Decodes a certs-only answer with openssl and returns the PEM certificates it carries. */
function printCerts(name: string, base64: string): string {
  const file = scratch.write(`${name}.p7.b64`, base64);
  const der = scratch.file(`${name}.p7.der`);
  opensslOk(["base64", "-d", "-in", file, "-out", der]);
  return opensslOk(["pkcs7", "-inform", "DER", "-in", der, "-print_certs"]);
}

async function credentialFor(applicationId: string) {
  const answer = await fixture.call("POST", `/applications/${applicationId}/est-credentials`,
    { validHours: 1 }, token);
  expect(answer.status, answer.text).toBe(201);
  return answer.json<{ credentialId: string; password: string }>();
}

function enrol(credential: { credentialId: string; password: string }, body: string) {
  return curl(["--cacert", caFile, "-u", `${credential.credentialId}:${credential.password}`,
    "-H", "Content-Type: application/pkcs10", "--data-binary", `@${body}`, est("simpleenroll")]);
}

describe("EST with curl and openssl", () => {
  it("cacerts returns the CA certificate as certs-only CMS", async () => {
    const answer = await curl(["--cacert", caFile, "-D", scratch.file("cacerts.headers"),
      est("cacerts")]);
    expect(answer.status).toBe(200);
    const headers = scratch.read("cacerts.headers").toString("utf8").toLowerCase();
    expect(headers).toContain("content-type: application/pkcs7-mime");
    expect(headers).toContain("content-transfer-encoding: base64");
    const pem = printCerts("cacerts", answer.body);
    expect(new X509Certificate(pem).raw.equals(fixture.gds.gds!.authority.certificate()))
      .toBe(true);
  });

  it("csrattrs names RSA and sha256WithRSAEncryption", async () => {
    const answer = await curl(["--cacert", caFile, est("csrattrs")]);
    expect(answer.status).toBe(200);
    const der = scratch.file("csrattrs.der");
    opensslOk(["base64", "-d", "-in", scratch.write("csrattrs.b64", answer.body), "-out", der]);
    const parsed = opensslOk(["asn1parse", "-inform", "DER", "-in", der]);
    expect(parsed).toContain("rsaEncryption");
    expect(parsed).toContain("sha256WithRSAEncryption");
  });

  it("enrols with a one-time credential, renews over TLS, and refuses a revoked renewal",
    async () => {
      const applicationUri = "urn:test:est:plant-a";
      const applicationId = await fixture.register(applicationUri, token);
      const credential = await credentialFor(applicationId);
      const first = request("first", "/CN=Plant A/O=Tests",
        `URI:${applicationUri},DNS:plant-host`);

      // simpleenroll: a certificate openssl verifies against the CA, for the registered URI.
      const enrolled = await enrol(credential, first.body);
      expect(enrolled.status, enrolled.body).toBe(200);
      const certificate = scratch.write("first.pem", printCerts("first", enrolled.body));
      expect(opensslOk(["verify", "-CAfile", caFile, certificate])).toContain("OK");
      const issued = new X509Certificate(scratch.read("first.pem"));
      expect(issued.subjectAltName).toContain(`URI:${applicationUri}`);
      expect(issued.subjectAltName).toContain("DNS:plant-host");

      // The credential is spent: a second enrolment with it is refused.
      const again = await enrol(credential, first.body);
      expect(again.status).toBe(401);

      // simplereenroll: same subject and SAN, new key, authenticated by the current certificate.
      const second = request("second", "/CN=Plant A/O=Tests",
        `URI:${applicationUri},DNS:plant-host`);
      const renewed = await curl(["--cacert", caFile, "--cert", certificate, "--key", first.key,
        "-H", "Content-Type: application/pkcs10", "--data-binary", `@${second.body}`,
        est("simplereenroll")]);
      expect(renewed.status, renewed.body).toBe(200);
      const renewedFile = scratch.write("second.pem", printCerts("second", renewed.body));
      expect(opensslOk(["verify", "-CAfile", caFile, renewedFile])).toContain("OK");
      const next = new X509Certificate(scratch.read("second.pem"));
      expect(next.serialNumber).not.toBe(issued.serialNumber);
      expect(next.subject).toBe(issued.subject);
      expect(next.publicKey.export({ format: "der", type: "spki" }))
        .not.toEqual(issued.publicKey.export({ format: "der", type: "spki" }));

      // The replaced certificate can no longer renew.
      const stale = await curl(["--cacert", caFile, "--cert", certificate, "--key", first.key,
        "-H", "Content-Type: application/pkcs10", "--data-binary", `@${second.body}`,
        est("simplereenroll")]);
      expect(stale.status).toBe(403);

      // A different subject is refused for a renewal.
      const renamed = request("renamed", "/CN=Someone Else/O=Tests",
        `URI:${applicationUri},DNS:plant-host`);
      const refused = await curl(["--cacert", caFile, "--cert", renewedFile, "--key", second.key,
        "-H", "Content-Type: application/pkcs10", "--data-binary", `@${renamed.body}`,
        est("simplereenroll")]);
      expect(refused.status).toBe(400);

      // Revoked through the REST API: the revoked certificate cannot renew.
      const revoked = await fixture.call("POST",
        `/certificates/${next.serialNumber.toLowerCase()}/revoke`,
        { reason: "keyCompromise" }, token);
      expect(revoked.status, revoked.text).toBe(204);
      const third = request("third", "/CN=Plant A/O=Tests",
        `URI:${applicationUri},DNS:plant-host`);
      const afterRevocation = await curl(["--cacert", caFile, "--cert", renewedFile,
        "--key", second.key, "-H", "Content-Type: application/pkcs10",
        "--data-binary", `@${third.body}`, est("simplereenroll")]);
      expect(afterRevocation.status).toBe(403);
      expect(afterRevocation.body).toContain("revoked");
    });

  it("refuses a request for another ApplicationUri as StartSigningRequest does", async () => {
    const applicationId = await fixture.register("urn:test:est:plant-b", token);
    const credential = await credentialFor(applicationId);
    const wrong = request("wrong-uri", "/CN=Plant B", "URI:urn:test:est:intruder,DNS:plant-host");
    const answer = await enrol(credential, wrong.body);
    expect(answer.status).toBe(400);
    expect(answer.body).toContain("CertificateUriInvalid");
  });

  it("a credential used twice at once delivers one certificate only", async () => {
    const applicationUri = "urn:test:est:plant-d";
    const applicationId = await fixture.register(applicationUri, token);
    const credential = await credentialFor(applicationId);
    const csr = request("plant-d", "/CN=Plant D", `URI:${applicationUri}`);
    const answers = await Promise.all([enrol(credential, csr.body), enrol(credential, csr.body),
      enrol(credential, csr.body)]);
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.every((status) => [200, 401, 409].includes(status))).toBe(true);
    const issued = await fixture.gds.gds!.store.certificates.listForApplication(applicationId);
    expect(issued).toHaveLength(1);
  });

  it("refuses wrong credentials with a Basic challenge", async () => {
    const applicationId = await fixture.register("urn:test:est:plant-c", token);
    const credential = await credentialFor(applicationId);
    const csr = request("plant-c", "/CN=Plant C", "URI:urn:test:est:plant-c");
    const answer = await curl(["--cacert", caFile, "-D", scratch.file("c.headers"),
      "-u", `${credential.credentialId}:not-the-password`, "-H",
      "Content-Type: application/pkcs10", "--data-binary", `@${csr.body}`, est("simpleenroll")]);
    expect(answer.status).toBe(401);
    expect(scratch.read("c.headers").toString("utf8")).toMatch(/www-authenticate: Basic/i);
    // The real credential still works afterwards.
    expect((await enrol(credential, csr.body)).status).toBe(200);
  });
});
