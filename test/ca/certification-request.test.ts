import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCertificationRequest } from "../../src/ca/certification-request.js";
import { objectIdentifier, sequence, setOf, tags, tlv } from "../../src/ca/der-writer.js";
import { gdsErrorOf } from "./gds-error.js";
import { extensionRequest, handmadeRequest, uriSubjectAltName } from "./handmade-request.js";
import { asn1Elements, elementBytes, opensslRequest, ScratchDirectory } from "./openssl.js";

const applicationUri = "urn:example:security-handler:test-app";

describe("parseCertificationRequest", () => {
  const scratch = new ScratchDirectory();
  let request: Buffer;

  beforeAll(() => {
    request = opensslRequest(scratch, {
      subject: "/CN=Test App/O=Tests/DC=example",
      subjectAltName: `URI:${applicationUri},DNS:app.example,IP:192.0.2.7,IP:2001:db8::7`,
    });
  });
  afterAll(() => scratch.remove());

  it("reads the subject, the key and the SAN entries of an OpenSSL request", () => {
    const csr = parseCertificationRequest(request);

    // Independent view of where subject and key sit: openssl asn1parse.
    const info = asn1Elements(request, 2, scratch);
    expect(csr.subject.equals(elementBytes(request, info[1]!))).toBe(true);
    expect(csr.publicKeyInfo.equals(elementBytes(request, info[2]!))).toBe(true);
    expect(csr.keyAlgorithm).toBe("RSA");
    expect(csr.keyBits).toBe(2048);
    expect(csr.curve).toBeUndefined();
    expect(csr.publicKey.asymmetricKeyType).toBe("rsa");
    expect(csr.sanUris).toEqual([applicationUri]);
    expect(csr.sanDnsNames).toEqual(["app.example"]);
    expect(csr.sanIpAddresses).toEqual(["192.0.2.7", "2001:db8::7"]);
  });

  it("reads an EC P-256 request", () => {
    const ec = opensslRequest(scratch, {
      newKey: "ec",
      extraArgs: ["-pkeyopt", "ec_paramgen_curve:P-256"],
    });
    const csr = parseCertificationRequest(ec);

    expect(csr.keyAlgorithm).toBe("EC");
    expect(csr.curve).toBe("nistP256");
    expect(csr.keyBits).toBe(256);
    expect(csr.sanUris).toEqual([]);
  });

  it("accepts a request without the attributes field", () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const subject = sequence(setOf(sequence(objectIdentifier("2.5.4.3"), tlv(tags.utf8String))));
    const publicKeyInfo = publicKey.export({ format: "der", type: "spki" });
    const der = handmadeRequest({ subject, privateKey, publicKeyInfo });

    expect(parseCertificationRequest(der).sanUris).toEqual([]);
  });

  it("refuses an empty buffer with InvalidArgument", () => {
    expect(gdsErrorOf(() => parseCertificationRequest(Buffer.alloc(0))).code).toBe(
      "InvalidArgument",
    );
  });

  it("refuses a request larger than 64 KiB before parsing it", () => {
    const huge = Buffer.concat([request, Buffer.alloc(70_000)]);
    expect(gdsErrorOf(() => parseCertificationRequest(huge)).message).toMatch(/too large/);
  });

  it("refuses garbage bytes with InvalidArgument", () => {
    const garbage = [
      Buffer.from("this is not a certification request"),
      Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]),
      Buffer.from([0x30, 0x80, 0x00, 0x00]),
      Buffer.alloc(64, 0xff),
    ];
    for (const bytes of garbage) {
      expect(gdsErrorOf(() => parseCertificationRequest(bytes)).code).toBe("InvalidArgument");
    }
  });

  it("refuses a truncated request with InvalidArgument", () => {
    for (const length of [1, 2, 10, Math.floor(request.length / 2), request.length - 1]) {
      const error = gdsErrorOf(() => parseCertificationRequest(request.subarray(0, length)));
      expect(error.code).toBe("InvalidArgument");
    }
  });

  it("refuses trailing bytes after the request with InvalidArgument", () => {
    const padded = Buffer.concat([request, Buffer.from([0])]);
    expect(gdsErrorOf(() => parseCertificationRequest(padded)).code).toBe("InvalidArgument");
  });

  it("refuses a request whose signature has one bit flipped with InvalidArgument", () => {
    const tampered = Buffer.from(request);
    tampered[tampered.length - 1]! ^= 0x01;

    const error = gdsErrorOf(() => parseCertificationRequest(tampered));
    expect(error.code).toBe("InvalidArgument");
    expect(error.message).toBe("certification request: signature invalid");
  });

  it("refuses a request whose signed subject was changed with InvalidArgument", () => {
    const tampered = Buffer.from(request);
    const at = tampered.indexOf("Test App");
    tampered[at]! ^= 0x20;

    expect(gdsErrorOf(() => parseCertificationRequest(tampered)).message).toMatch(/signature/);
  });

  it("refuses a non-DER (indefinite length) encoding with InvalidArgument", () => {
    // Same content, outer SEQUENCE re-framed with the BER indefinite length form.
    const headerLength = 2 + (request[1]! & 0x7f);
    const content = request.subarray(headerLength);
    const ber = Buffer.concat([Buffer.from([0x30, 0x80]), content, Buffer.from([0, 0])]);

    expect(gdsErrorOf(() => parseCertificationRequest(ber)).code).toBe("InvalidArgument");
  });

  it("refuses Ed25519, RSASSA-PSS and SHA-1 requests as unsupported algorithms", () => {
    const unsupported = [
      opensslRequest(scratch, { newKey: "ed25519" }),
      opensslRequest(scratch, { extraArgs: ["-sigopt", "rsa_padding_mode:pss"] }),
      opensslRequest(scratch, { extraArgs: ["-sha1"] }),
    ];
    for (const der of unsupported) {
      const error = gdsErrorOf(() => parseCertificationRequest(der));
      expect(error.code).toBe("InvalidArgument");
      expect(error.message).toMatch(/unsupported/);
    }
  });

  it("refuses a request with two subjectAltName extensions", () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const subject = sequence(setOf(sequence(objectIdentifier("2.5.4.3"), tlv(tags.utf8String))));
    const der = handmadeRequest({
      subject,
      privateKey,
      publicKeyInfo: publicKey.export({ format: "der", type: "spki" }),
      attributes: [extensionRequest(uriSubjectAltName("urn:a"), uriSubjectAltName("urn:b"))],
    });

    expect(gdsErrorOf(() => parseCertificationRequest(der)).code).toBe("InvalidArgument");
  });
});
