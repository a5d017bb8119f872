import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { opensslOk, ScratchDirectory } from "../ca/openssl.js";
import { httpsCall } from "../rest/https-client.js";
import { RestFixture } from "../rest/rest-fixture.js";
import { adminPassword } from "../support/gds-fixture.js";

const dayMs = 86_400_000;
const clock = new ManualClock(new Date());
let fixture: RestFixture;
let scratch: ScratchDirectory;

beforeAll(async () => {
  fixture = await RestFixture.start({ est: { renewAfterExpiryDays: 30 } },
    { adminPassword, clock });
  scratch = new ScratchDirectory();
});

afterAll(async () => {
  await fixture?.dispose();
  scratch?.remove();
});

function csr(name: string, applicationUri: string): Promise<string> {
  const env = { ...process.env };
  if (env.OPENSSL_CONF === "undefined") delete env.OPENSSL_CONF;
  return new Promise((resolve, reject) => execFile("openssl", ["req", "-new", "-newkey",
    "rsa:2048", "-nodes", "-keyout", scratch.file(`${name}.key`), "-subj", "/CN=Expiring",
    "-addext", `subjectAltName=URI:${applicationUri}`, "-outform", "DER",
    "-out", scratch.file(`${name}.der`)], { env }, (error) => (error ? reject(error)
    : resolve(scratch.read(`${name}.der`).toString("base64")))));
}

function certificateOf(name: string, base64: string): string {
  const file = scratch.write(`${name}.p7`, Buffer.from(base64, "base64"));
  return opensslOk(["pkcs7", "-inform", "DER", "-in", file, "-print_certs"]);
}

async function enrol(applicationUri: string, name: string) {
  const token = await fixture.token();
  const applicationId = await fixture.register(applicationUri, token);
  const credential = (await fixture.call("POST",
    `/applications/${applicationId}/est-credentials`, {}, token))
    .json<{ credentialId: string; password: string }>();
  const answer = await httpsCall(`${fixture.httpsUrl}/.well-known/est/simpleenroll`, {
    method: "POST", ca: fixture.caPem, body: await csr(name, applicationUri),
    headers: { "content-type": "application/pkcs10", authorization: `Basic ${Buffer.from(
      `${credential.credentialId}:${credential.password}`).toString("base64")}` },
  });
  expect(answer.status, answer.text).toBe(200);
  return { cert: certificateOf(name, answer.text), key: scratch.read(`${name}.key`).toString() };
}

async function reenrol(current: { cert: string; key: string }, applicationUri: string,
  name: string) {
  return httpsCall(`${fixture.httpsUrl}/.well-known/est/simplereenroll`, {
    method: "POST", ca: fixture.caPem, cert: current.cert, key: current.key,
    body: await csr(name, applicationUri), headers: { "content-type": "application/pkcs10" },
  });
}

describe("simplereenroll after expiry (est.renewAfterExpiryDays = 30)", () => {
  it("renews a certificate expired 10 days ago, and refuses one expired 40 days ago",
    async () => {
      const first = await enrol("urn:test:expiry:recent", "recent");
      const lapsed = await enrol("urn:test:expiry:lapsed", "lapsed");
      const notAfter = new X509Certificate(first.cert).validTo;

      clock.set(new Date(Date.parse(notAfter) + 10 * dayMs));
      const renewed = await reenrol(first, "urn:test:expiry:recent", "recent-2");
      expect(renewed.status, renewed.text).toBe(200);
      const next = new X509Certificate(certificateOf("recent-2", renewed.text));
      expect(Date.parse(next.validTo)).toBeGreaterThan(clock.now().getTime());

      clock.set(new Date(Date.parse(new X509Certificate(lapsed.cert).validTo) + 40 * dayMs));
      const refused = await reenrol(lapsed, "urn:test:expiry:lapsed", "lapsed-2");
      expect(refused.status).toBe(403);
      expect(refused.text).toContain("expired");
    });
});
