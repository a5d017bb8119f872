import { afterAll, describe, expect, it } from "vitest";
import { loadCaProfile, parseCaProfile } from "../../src/ca/ca-profile.js";
import {
  checkProfilesFitCaKey,
  loadCertificateProfile,
  loadCertificateProfiles,
  parseCertificateProfile,
} from "../../src/ca/certificate-profile.js";
import { gdsErrorOf, gdsErrorOfAsync } from "./gds-error.js";
import { ScratchDirectory } from "./openssl.js";

const valid = {
  certificateType: "RsaSha256ApplicationCertificateType",
  key: { algorithm: "RSA", minBits: 2048, maxBits: 4096 },
  signatureAlgorithm: "sha256WithRSAEncryption",
  validityDays: 365,
  keyUsage: { critical: true, usages: ["digitalSignature", "keyEncipherment"] },
  extendedKeyUsage: { purposes: ["serverAuth", "clientAuth"] },
};

function messageFor(json: unknown): string {
  const error = gdsErrorOf(() => parseCertificateProfile(json, "pki/profiles/test.json"));
  expect(error.code).toBe("InvalidArgument");
  return error.message;
}

describe("certificate profiles", () => {
  const scratch = new ScratchDirectory();
  afterAll(() => scratch.remove());

  it("ships an RsaSha256ApplicationCertificateType profile as OPC UA stacks need it", async () => {
    const profiles = await loadCertificateProfiles();
    const profile = profiles.get("RsaSha256ApplicationCertificateType");

    expect(profile).toEqual({
      certificateType: "RsaSha256ApplicationCertificateType",
      key: { algorithm: "RSA", minBits: 2048, maxBits: 4096 },
      signatureAlgorithm: "sha256WithRSAEncryption",
      validityDays: 365,
      keyUsage: {
        critical: true,
        usages: ["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment"],
      },
      extendedKeyUsage: { critical: false, purposes: ["serverAuth", "clientAuth"] },
    });
  });

  it("defaults validityDays to 365 and EKU to non-critical", () => {
    const { validityDays, ...withoutValidity } = valid;
    const profile = parseCertificateProfile(withoutValidity, "test.json");
    expect(profile.validityDays).toBe(validityDays);
    expect(profile.extendedKeyUsage.critical).toBe(false);
  });

  it("reads an ECC profile", () => {
    const ecc = {
      ...valid,
      certificateType: "EccNistP256ApplicationCertificateType",
      key: { algorithm: "EC", curves: ["nistP256"] },
      signatureAlgorithm: "ecdsaWithSHA256",
    };
    expect(parseCertificateProfile(ecc, "test.json").key).toEqual({
      algorithm: "EC",
      curves: ["nistP256"],
    });
  });

  it("names the file and the field when a field is missing", () => {
    const { minBits: _, ...key } = valid.key;
    expect(messageFor({ ...valid, key })).toBe(
      'pki/profiles/test.json: field "key.minBits" is missing',
    );
  });

  it("names the field when a value has the wrong type or range", () => {
    expect(messageFor({ ...valid, validityDays: "365" })).toMatch(/field "validityDays" must be/);
    expect(messageFor({ ...valid, validityDays: 0 })).toMatch(/field "validityDays" must be/);
    expect(messageFor({ ...valid, key: { ...valid.key, maxBits: 1024 } })).toMatch(
      /field "key.maxBits" must be an integer from 2048/,
    );
  });

  it("names the field when a list holds an unknown or repeated value", () => {
    const usages = ["digitalSignature", "digitalSignatures"];
    expect(messageFor({ ...valid, keyUsage: { usages } })).toMatch(/field "keyUsage.usages"/);
    const purposes = ["serverAuth", "serverAuth"];
    expect(messageFor({ ...valid, extendedKeyUsage: { purposes } })).toMatch(
      /field "extendedKeyUsage.purposes"/,
    );
  });

  it("refuses unknown fields, so a typo does not silently become a default", () => {
    const { validityDays, ...rest } = valid;
    expect(messageFor({ ...rest, validitydays: validityDays })).toBe(
      'pki/profiles/test.json: field "validitydays" is not a known field',
    );
  });

  it("lets an RSA CA sign an ECC certificate type: the algorithm is the CA's", () => {
    const ecc = { ...valid, key: { algorithm: "EC", curves: ["nistP384"] } };
    expect(parseCertificateProfile(ecc, "test.json").signatureAlgorithm)
      .toBe("sha256WithRSAEncryption");
  });

  it("refuses profiles whose signature the CA key cannot make", () => {
    const rsaSigned = parseCertificateProfile(valid, "test.json");
    const ecdsaSigned = parseCertificateProfile(
      { ...valid, signatureAlgorithm: "ecdsaWithSHA256" }, "test.json");
    expect(() => checkProfilesFitCaKey([rsaSigned], "sha256WithRSAEncryption")).not.toThrow();
    expect(() => checkProfilesFitCaKey([rsaSigned, ecdsaSigned], "sha256WithRSAEncryption"))
      .toThrow(/the CA key signs with sha256WithRSAEncryption, not ecdsaWithSHA256/);
  });

  it("ships ECC application profiles without encipherment usages", async () => {
    const profiles = await loadCertificateProfiles();
    for (const type of ["EccNistP256ApplicationCertificateType",
      "EccNistP384ApplicationCertificateType"]) {
      const profile = profiles.get(type)!;
      expect(profile.key.algorithm).toBe("EC");
      expect(profile.keyUsage.usages).toEqual(["digitalSignature", "nonRepudiation"]);
    }
    expect(profiles.get("EccNistP384ApplicationCertificateType")!.key)
      .toEqual({ algorithm: "EC", curves: ["nistP384"] });
  });

  it("names the file when it is not JSON", async () => {
    const file = scratch.write("Broken.json", '{ "certificateType": ');
    const error = await gdsErrorOfAsync(() => loadCertificateProfile(file));
    expect(error.message).toBe(`${file}: not valid JSON`);
  });

  it("refuses a file whose name is not its certificateType", async () => {
    const file = scratch.write("SomethingElse.json", JSON.stringify(valid));
    const error = await gdsErrorOfAsync(() => loadCertificateProfile(file));
    expect(error.message).toBe(`${file}: field "certificateType" does not match the file name`);
  });
});

describe("CA profile", () => {
  it("ships the CA defaults", async () => {
    expect(await loadCaProfile()).toEqual({
      subject: "CN=Security Handler CA, O=Security Handler",
      key: { algorithm: "RSA", bits: 2048 },
      signatureAlgorithm: "sha256WithRSAEncryption",
      validityYears: 20,
      crlValidityDays: 7,
    });
  });

  it("names the field when the subject is not a distinguished name", () => {
    const json = {
      subject: "XX=Nobody",
      key: { algorithm: "RSA", bits: 2048 },
      signatureAlgorithm: "sha256WithRSAEncryption",
    };
    const error = gdsErrorOf(() => parseCaProfile(json, "pki/ca.json"));
    expect(error.message).toMatch(/^pki\/ca.json: field "subject" is not a distinguished name/);
  });

  it("names the field when the key is too small", () => {
    const json = {
      subject: "CN=CA",
      key: { algorithm: "RSA", bits: 1024 },
      signatureAlgorithm: "sha256WithRSAEncryption",
    };
    const error = gdsErrorOf(() => parseCaProfile(json, "pki/ca.json"));
    expect(error.message).toMatch(/field "key.bits" must be an integer from 2048/);
  });
});
