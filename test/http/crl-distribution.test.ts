import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePem } from "../../src/ca/pem.js";
import { opensslOk, ScratchDirectory } from "../ca/openssl.js";
import { issueTo, opensslAsync } from "../ocsp/ocsp-fixture.js";
import { GdsFixture } from "../support/gds-fixture.js";

describe("CRL distribution and the URLs in issued certificates", () => {
  let fixture: GdsFixture;
  const scratch = new ScratchDirectory();
  let caFile: string;
  let base: string;

  beforeAll(async () => {
    fixture = await GdsFixture.create();
    const gds = await fixture.start();
    caFile = scratch.write("ca.pem", encodePem(gds.authority.certificate(), "CERTIFICATE"));
    base = gds.http.httpUrl;
  });

  afterAll(async () => {
    await fixture?.dispose();
    scratch.remove();
  });

  it("serves the current CRL as DER with caching headers from its nextUpdate", async () => {
    const authority = fixture.gds!.authority;
    const response = await fetch(`${base}/crl/ca.crl`);
    const body = Buffer.from(await response.arrayBuffer());

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/pkix-crl");
    expect(response.headers.get("etag")).toBe(`"crl-${authority.crlNumber()}"`);
    expect(response.headers.get("expires")).toBe(authority.crlNextUpdate().toUTCString());
    expect(response.headers.get("last-modified")).toBe(authority.crlThisUpdate().toUTCString());
    const maxAge = Number(/max-age=(\d+)/.exec(response.headers.get("cache-control")!)![1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(3600);
    expect(body).toEqual(authority.crl());

    const text = opensslOk(["crl", "-inform", "DER", "-in", scratch.write("ca.crl", body),
      "-noout", "-text", "-CAfile", caFile]);
    expect(text).toMatch(new RegExp(`X509v3 CRL Number: \\n\\s+${authority.crlNumber()}`));
  });

  it("answers 304 to the current ETag and the new CRL once a revocation changed it", async () => {
    const etag = (await fetch(`${base}/crl/ca.crl`)).headers.get("etag")!;
    const unchanged = await fetch(`${base}/crl/ca.crl`, { headers: { "If-None-Match": etag } });
    expect(unchanged.status).toBe(304);
    expect((await unchanged.arrayBuffer()).byteLength).toBe(0);

    const { record } = await issueTo(fixture.gds!, scratch, "etag-revoked");
    await fixture.gds!.authority.revoke([record.serialNumber], "superseded", "tests");
    const changed = await fetch(`${base}/crl/ca.crl`, { headers: { "If-None-Match": etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
  });

  it("serves the CA certificate at the caIssuers URL", async () => {
    const response = await fetch(`${base}/ca/ca.crt`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/pkix-cert");
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.equals(fixture.gds!.authority.certificate())).toBe(true);
  });

  it("puts CRL distribution point, OCSP and caIssuers URLs in issued certificates", async () => {
    const { file } = await issueTo(fixture.gds!, scratch, "with-urls");
    const text = opensslOk(["x509", "-in", file, "-noout", "-text"]);
    const publicUrl = fixture.gds!.http.publicUrl;

    expect(publicUrl).toBe(base);
    expect(text).toMatch(new RegExp(`CRL Distribution Points: \\n\\s+Full Name:\\n\\s+` +
      `URI:${publicUrl}/crl/ca.crl`));
    expect(text).toContain(`OCSP - URI:${publicUrl}/ocsp`);
    expect(text).toContain(`CA Issuers - URI:${publicUrl}/ca/ca.crt`);
  });

  it("lets openssl fetch the CRL through the distribution point and find a revocation",
    async () => {
      const good = await issueTo(fixture.gds!, scratch, "cdp-good");
      const bad = await issueTo(fixture.gds!, scratch, "cdp-bad");
      await fixture.gds!.authority.revoke([bad.record.serialNumber], "keyCompromise", "tests");
      const verify = (file: string) => opensslAsync(["verify", "-CAfile", caFile, "-crl_check",
        "-crl_download", file]);

      const accepted = await verify(good.file);
      expect(accepted.stdout).toContain(`${good.file}: OK`);
      const refused = await verify(bad.file);
      expect(refused.status).not.toBe(0);
      expect(refused.stdout + refused.stderr).toContain("certificate revoked");
    });
});

describe("a configured http.publicUrl", () => {
  it("is the base of the URLs in issued certificates", async () => {
    const fixture = await GdsFixture.create({},
      { http: { publicUrl: "http://pki.plant.example:8080/security-handler/" } });
    const scratch = new ScratchDirectory();
    try {
      const gds = await fixture.start();
      const { file } = await issueTo(gds, scratch, "configured");
      const text = opensslOk(["x509", "-in", file, "-noout", "-text"]);

      expect(gds.http.publicUrl).toBe("http://pki.plant.example:8080/security-handler");
      expect(text).toContain("URI:http://pki.plant.example:8080/security-handler/crl/ca.crl");
      expect(text).toContain("OCSP - URI:http://pki.plant.example:8080/security-handler/ocsp");
    } finally {
      await fixture.dispose();
      scratch.remove();
    }
  });
});
