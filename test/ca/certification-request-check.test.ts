import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  loadCertificateProfile,
  type CertificateProfile,
} from "../../src/ca/certificate-profile.js";
import {
  checkCertificationRequest,
  maximumHosts,
} from "../../src/ca/certification-request-check.js";
import { parseCertificationRequest } from "../../src/ca/certification-request.js";
import { defaultProfileDirectory } from "../../src/ca/certificate-profile.js";
import { gdsErrorOf } from "./gds-error.js";
import { opensslRequest, ScratchDirectory } from "./openssl.js";

const applicationUri = "urn:example:security-handler:test-app";

describe("checkCertificationRequest", () => {
  const scratch = new ScratchDirectory();
  let profile: CertificateProfile;

  beforeAll(async () => {
    profile = await loadCertificateProfile(
      `${defaultProfileDirectory}/RsaSha256ApplicationCertificateType.json`,
    );
  });
  afterAll(() => scratch.remove());

  function check(options: Parameters<typeof opensslRequest>[1], against = profile): void {
    const csr = parseCertificationRequest(opensslRequest(scratch, options));
    checkCertificationRequest(csr, { applicationUri, profile: against });
  }

  it("accepts an RSA-2048 request naming the registered ApplicationUri", () => {
    expect(() => check({ subjectAltName: `URI:${applicationUri},DNS:host` })).not.toThrow();
  });

  it("accepts a request without any subjectAltName", () => {
    expect(() => check({})).not.toThrow();
  });

  it("refuses an RSA-1024 request as too weak with InvalidArgument", () => {
    const error = gdsErrorOf(() => check({ newKey: "rsa:1024" }));
    expect(error.code).toBe("InvalidArgument");
    expect(error.message).toMatch(/key too weak/);
  });

  it("refuses a key above the profile's maximum with InvalidArgument", () => {
    const small = { ...profile, key: { algorithm: "RSA", minBits: 1024, maxBits: 1024 } } as const;
    expect(gdsErrorOf(() => check({}, small)).code).toBe("InvalidArgument");
  });

  it("refuses an RSA key with public exponent 3 with InvalidArgument", () => {
    const error = gdsErrorOf(() => check({ extraArgs: ["-pkeyopt", "rsa_keygen_pubexp:3"] }));
    expect(error.code).toBe("InvalidArgument");
    expect(error.message).toMatch(/exponent/);
  });

  it("refuses a request naming more hosts than a certificate may carry", () => {
    const hosts = Array.from({ length: maximumHosts + 1 }, (_, i) => `DNS:host${i}.plant`);
    expect(() => check({ subjectAltName: hosts.slice(0, maximumHosts).join(",") }))
      .not.toThrow();
    const error = gdsErrorOf(() => check({ subjectAltName: hosts.join(",") }));
    expect(error.code).toBe("InvalidArgument");
    expect(error.message).toMatch(/more than 64 hosts/);
  });

  it.each(["*.plant.example", "host_1.plant", "-lead.plant"])(
    "refuses a request naming %s, which is not a host name", (name) => {
      const error = gdsErrorOf(() => check({ subjectAltName: `DNS:${name}` }));
      expect(error.code).toBe("InvalidArgument");
    });

  it("a CSR for another ApplicationUri is refused with CertificateUriInvalid", () => {
    const error = gdsErrorOf(() => check({ subjectAltName: "URI:urn:example:someone-else" }));
    expect(error.code).toBe("CertificateUriInvalid");
  });

  it("a CSR naming two URIs is refused with CertificateUriInvalid, even if one matches", () => {
    const error = gdsErrorOf(() =>
      check({ subjectAltName: `URI:${applicationUri},URI:urn:example:second` }),
    );
    expect(error.code).toBe("CertificateUriInvalid");
  });

  it("refuses an EC key for an RSA certificate type with InvalidArgument", () => {
    const ec = { newKey: "ec", extraArgs: ["-pkeyopt", "ec_paramgen_curve:P-256"] };
    expect(gdsErrorOf(() => check(ec)).code).toBe("InvalidArgument");
  });

  it("checks EC keys against the curves of an EC profile", () => {
    const eccProfile: CertificateProfile = {
      ...profile,
      certificateType: "EccNistP256ApplicationCertificateType",
      key: { algorithm: "EC", curves: ["nistP256"] },
      signatureAlgorithm: "ecdsaWithSHA256",
    };
    const p256 = { newKey: "ec", extraArgs: ["-pkeyopt", "ec_paramgen_curve:P-256"] };
    const p384 = { newKey: "ec", extraArgs: ["-pkeyopt", "ec_paramgen_curve:P-384"] };

    expect(() => check(p256, eccProfile)).not.toThrow();
    expect(gdsErrorOf(() => check(p384, eccProfile)).code).toBe("InvalidArgument");
  });
});
