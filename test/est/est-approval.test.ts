import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { opensslOk, ScratchDirectory } from "../ca/openssl.js";
import { httpsCall } from "../rest/https-client.js";
import { RestFixture } from "../rest/rest-fixture.js";

let fixture: RestFixture;
let scratch: ScratchDirectory;
let token: string;

beforeAll(async () => {
  fixture = await RestFixture.start({
    certificateGroups: { DefaultApplicationGroup: { approval: "manual" } },
  });
  scratch = new ScratchDirectory();
  token = await fixture.token();
});

afterAll(async () => {
  await fixture?.dispose();
  scratch?.remove();
});

function base64Request(name: string, applicationUri: string): Promise<string> {
  const key = scratch.file(`${name}.key`);
  const der = scratch.file(`${name}.der`);
  return new Promise((resolve, reject) => {
    execFile("openssl", ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
      "-subj", `/CN=${name}`, "-addext", `subjectAltName=URI:${applicationUri}`,
      "-outform", "DER", "-out", der], { env: opensslEnv() }, (error) => {
      if (error) return reject(error);
      resolve(scratch.read(`${name}.der`).toString("base64"));
    });
  });
}

function opensslEnv() {
  const env = { ...process.env };
  if (env.OPENSSL_CONF === "undefined") delete env.OPENSSL_CONF;
  return env;
}

describe("EST under a manual approval policy", () => {
  it("answers 202 with Retry-After until approved, then the retry gets the certificate",
    async () => {
      const applicationUri = "urn:test:est:held";
      const applicationId = await fixture.register(applicationUri, token);
      const created = await fixture.call("POST", `/applications/${applicationId}/est-credentials`,
        {}, token);
      const credential = created.json<{ credentialId: string; password: string }>();
      const body = await base64Request("held", applicationUri);
      const enrol = () => httpsCall(`${fixture.httpsUrl}/.well-known/est/simpleenroll`, {
        method: "POST", ca: fixture.caPem, body,
        headers: {
          "content-type": "application/pkcs10",
          authorization: `Basic ${Buffer.from(
            `${credential.credentialId}:${credential.password}`).toString("base64")}`,
        },
      });

      const held = await enrol();
      expect(held.status, held.text).toBe(202);
      expect(Number(held.headers["retry-after"])).toBeGreaterThan(0);
      // Retrying before a decision is still 202, and opens no second request.
      expect((await enrol()).status).toBe(202);
      const pending = await fixture.call("GET", "/requests?state=pending", undefined, token);
      const requests = pending.json<Array<{ requestId: string; applicationId: string }>>()
        .filter((request) => request.applicationId === applicationId);
      expect(requests).toHaveLength(1);

      const approved = await fixture.call("POST", `/requests/${requests[0]!.requestId}/approve`,
        undefined, token);
      expect(approved.status, approved.text).toBe(200);
      const serialNumber = approved.json<{ serialNumber: string }>().serialNumber;

      const collected = await enrol();
      expect(collected.status, collected.text).toBe(200);
      expect(collected.headers["content-type"]).toBe(
        "application/pkcs7-mime; smime-type=certs-only");
      const der = scratch.write("held.p7", Buffer.from(collected.text, "base64"));
      const pem = opensslOk(["pkcs7", "-inform", "DER", "-in", der, "-print_certs"]);
      const certificate = new X509Certificate(pem);
      expect(certificate.serialNumber.toLowerCase().replace(/^0+/, ""))
        .toBe(serialNumber.replace(/^0+/, ""));
      expect(certificate.verify(new X509Certificate(fixture.caPem).publicKey)).toBe(true);
      // Delivered once: the credential is now spent.
      expect((await enrol()).status).toBe(401);
    });

  it("a rejected request is answered 403 on the retry", async () => {
    const applicationUri = "urn:test:est:rejected";
    const applicationId = await fixture.register(applicationUri, token);
    const created = await fixture.call("POST", `/applications/${applicationId}/est-credentials`,
      undefined, token);
    const credential = created.json<{ credentialId: string; password: string }>();
    const body = await base64Request("rejected", applicationUri);
    const enrol = () => httpsCall(`${fixture.httpsUrl}/.well-known/est/simpleenroll`, {
      method: "POST", ca: fixture.caPem, body,
      headers: { "content-type": "application/pkcs10", authorization: `Basic ${Buffer.from(
        `${credential.credentialId}:${credential.password}`).toString("base64")}` },
    });
    expect((await enrol()).status).toBe(202);
    const pending = (await fixture.call("GET", "/requests?state=pending", undefined, token))
      .json<Array<{ requestId: string; applicationId: string }>>()
      .filter((request) => request.applicationId === applicationId);
    const rejected = await fixture.call("POST", `/requests/${pending[0]!.requestId}/reject`,
      { reason: "unknown device" }, token);
    expect(rejected.status, rejected.text).toBe(204);
    const answer = await enrol();
    expect(answer.status).toBe(403);
    expect(answer.text).toContain("RequestNotAllowed");
  });
});
