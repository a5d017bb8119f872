import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePem } from "../../src/ca/pem.js";
import { opensslOk, ScratchDirectory } from "../ca/openssl.js";
import { GdsFixture } from "../support/gds-fixture.js";
import { issueTo, opensslAsync } from "./ocsp-fixture.js";

/** OpenSSL as the independent OCSP client: it checks the signature and the delegation. */
describe("OCSP responder, as openssl ocsp sees it", () => {
  let fixture: GdsFixture;
  const scratch = new ScratchDirectory();
  let caFile: string;
  let url: string;

  beforeAll(async () => {
    fixture = await GdsFixture.create();
    const gds = await fixture.start();
    caFile = scratch.write("ca.pem", encodePem(gds.authority.certificate(), "CERTIFICATE"));
    url = `${gds.http.httpUrl}/ocsp`;
  });

  afterAll(async () => {
    await fixture?.dispose();
    scratch.remove();
  });

  const ask = (certificateFile: string, ...extra: string[]) => opensslAsync(["ocsp",
    "-issuer", caFile, "-cert", certificateFile, "-url", url, "-CAfile", caFile, ...extra]);

  it("answers good, echoing the nonce openssl sends by default", async () => {
    const { file } = await issueTo(fixture.gds!, scratch, "good");
    const result = await ask(file, "-resp_text");

    expect(result.stderr).toContain("Response verify OK");
    expect(result.stdout).toContain(`${file}: good`);
    expect(result.stdout).toMatch(/Responder Id: [0-9A-F]{40}/);
    expect(result.stdout).toContain("OCSP Nonce");
    expect(result.stdout).toMatch(/Next Update: /);
    expect(result.stderr).not.toContain("WARNING");
  });

  it("answers revoked with reason and time, even when a good answer was cached before",
    async () => {
      const { file, record } = await issueTo(fixture.gds!, scratch, "compromised");
      const before = await ask(file, "-no_nonce");
      expect(before.stdout).toContain(`${file}: good`);

      const [revoked] = await fixture.gds!.authority.revoke([record.serialNumber],
        "keyCompromise", "tests");
      const after = await ask(file, "-no_nonce");

      expect(after.stderr).toContain("Response verify OK");
      expect(after.stdout).toContain(`${file}: revoked`);
      expect(after.stdout).toContain("Reason: keyCompromise");
      const time = /Revocation Time: (.+)/.exec(after.stdout)![1]!;
      expect(new Date(time).toISOString()).toBe(revoked!.revokedAt);
    });

  it("answers a CertID hashed with SHA-256 as well as SHA-1", async () => {
    const { file } = await issueTo(fixture.gds!, scratch, "sha256");
    // The digest option applies to the -cert that follows it.
    const result = await opensslAsync(["ocsp", "-issuer", caFile, "-sha256", "-cert", file,
      "-url", url, "-CAfile", caFile, "-no_nonce", "-resp_text"]);
    expect(result.stdout).toContain("Hash Algorithm: sha256");
    expect(result.stderr).toContain("Response verify OK");
    expect(result.stdout).toContain(`${file}: good`);
  });

  it("answers unknown for a serial this CA never issued", async () => {
    const result = await opensslAsync(["ocsp", "-issuer", caFile, "-serial", "0x1234abcd",
      "-url", url, "-CAfile", caFile]);
    expect(result.stderr).toContain("Response verify OK");
    expect(result.stdout).toContain("0x1234abcd: unknown");
  });

  it("serves repeated nonce-free questions from one signature", async () => {
    const { file } = await issueTo(fixture.gds!, scratch, "repeated");
    const request = scratch.file("repeated.req");
    opensslOk(["ocsp", "-issuer", caFile, "-cert", file, "-no_nonce", "-reqout", request]);
    const body = new Uint8Array(scratch.read("repeated.req"));
    const post = () => fetch(url, {
      method: "POST", headers: { "Content-Type": "application/ocsp-request" }, body,
    }).then(async (response) => Buffer.from(await response.arrayBuffer()));

    const answers = await Promise.all([post(), post(), post()]);
    const again = await post();
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(again).toEqual(answers[0]);
    const response = scratch.write("repeated.resp", again);
    const verified = await opensslAsync(["ocsp", "-respin", response, "-issuer", caFile,
      "-cert", file, "-CAfile", caFile]);
    expect(verified.stderr).toContain("Response verify OK");
    expect(verified.stdout).toContain(`${file}: good`);
  });

  it("is signed by a delegated responder certificate with OCSPSigning and nocheck", async () => {
    const { file } = await issueTo(fixture.gds!, scratch, "delegation");
    const responseFile = scratch.file("delegation.resp");
    await ask(file, "-respout", responseFile);
    const response = opensslOk(["ocsp", "-respin", responseFile, "-resp_text", "-noverify"]);
    const pem = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/.exec(response)![0];
    const responderFile = scratch.write("responder.pem", pem);
    const text = opensslOk(["x509", "-in", responderFile, "-noout", "-text"]);

    expect(text).toContain("OCSP Signing");
    expect(text).toContain("OCSP No Check");
    expect(text).toContain("CN = Security Handler OCSP Responder");
    expect(text).toMatch(/CA:FALSE/);
    expect(opensslOk(["verify", "-CAfile", caFile, "-purpose", "ocsphelper", responderFile]))
      .toContain("OK");
    const key = (file: string) => opensslOk(["x509", "-in", file, "-noout", "-pubkey"]);
    expect(key(responderFile)).not.toBe(key(caFile));
  });

  it("works over GET with the request base64 in the path", async () => {
    const { file } = await issueTo(fixture.gds!, scratch, "by-get");
    const request = scratch.file("by-get.req");
    opensslOk(["ocsp", "-issuer", caFile, "-cert", file, "-no_nonce", "-reqout", request]);
    const path = encodeURIComponent(scratch.read("by-get.req").toString("base64"));
    const response = await fetch(`${url}/${path}`);

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/ocsp-response");
    expect(response.headers.get("cache-control")).toMatch(/max-age=\d+/);
    const answer = scratch.write("by-get.resp", Buffer.from(await response.arrayBuffer()));
    const verified = await opensslAsync(["ocsp", "-respin", answer, "-issuer", caFile,
      "-cert", file, "-CAfile", caFile]);
    expect(verified.stderr).toContain("Response verify OK");
    expect(verified.stdout).toContain(`${file}: good`);
  });
});
