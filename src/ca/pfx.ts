import {
  createCipheriv,
  createHash,
  createHmac,
  pbkdf2Sync,
  randomBytes,
  type KeyObject,
} from "node:crypto";
import { GdsError } from "../core/errors.js";
import {
  contextTag,
  nullValue,
  objectIdentifier,
  octetString,
  sequence,
  setOf,
  smallInteger,
  tlv,
} from "./der-writer.js";

/** What goes into a PFX: a private key and its certificate chain, leaf first. */
export interface PfxContents {
  readonly privateKey: KeyObject;
  readonly certificates: readonly Buffer[];
  /** May be empty; the file is then protected by the empty password, as RFC 7292 B.1 says. */
  readonly password: string;
}

const oids = {
  data: "1.2.840.113549.1.7.1",
  encryptedData: "1.2.840.113549.1.7.6",
  pkcs8ShroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  localKeyId: "1.2.840.113549.1.9.21",
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
  hmacWithSHA256: "1.2.840.113549.2.9",
  aes256Cbc: "2.16.840.1.101.3.4.1.42",
  sha256: "2.16.840.1.101.3.4.2.1",
};

/**
 * OpenSSL 3's default count for PKCS#12, and the count node:crypto uses for encrypted PKCS#8:
 * both formats a client may ask for resist password guessing equally. The MAC key derivation
 * below runs in JavaScript (~5 ms at this count); a much larger count would block the event loop.
 */
const iterations = 2048;

const explicit0 = contextTag(0, true);

/**
 * A PKCS#12 file (RFC 7292) laid out as OpenSSL 3 writes one by default: the certificates in
 * an encryptedData and the key in a pkcs8ShroudedKeyBag, both with PBES2 (PBKDF2-HMAC-SHA256,
 * AES-256-CBC), and a SHA-256 HMAC over the whole. No RC2, 3DES or SHA-1 MAC: OpenSSL 3 reads
 * those only with its legacy provider. The key and the leaf certificate share a localKeyId
 * (the leaf's SHA-1 thumbprint), by which importers pair them.
 */
export function encodePfx(contents: PfxContents): Buffer {
  const { privateKey, certificates, password } = contents;
  if (certificates.length === 0) throw new GdsError("Internal", "a PFX needs its certificate");
  const localKeyId = createHash("sha1").update(certificates[0]!).digest();
  const leafAttributes = setOf(
    sequence(objectIdentifier(oids.localKeyId), setOf(octetString(localKeyId))),
  );

  // Certificates: SafeContents of certBags, encrypted as a whole.
  const certBags = certificates.map((certificate, index) => {
    const certBag = sequence(
      objectIdentifier(oids.x509Certificate),
      tlv(explicit0, octetString(certificate)),
    );
    const bag = [objectIdentifier(oids.certBag), tlv(explicit0, certBag)];
    return sequence(...bag, ...(index === 0 ? [leafAttributes] : []));
  });
  const certificateSafe = encrypt(sequence(...certBags), password);
  const encryptedContent = sequence(
    objectIdentifier(oids.data),
    certificateSafe.algorithm,
    tlv(contextTag(0, false), certificateSafe.ciphertext),
  );
  const encryptedData = sequence(smallInteger(0), encryptedContent);

  // The key: one pkcs8ShroudedKeyBag holding an EncryptedPrivateKeyInfo.
  const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" });
  const shroudedKey = encrypt(pkcs8, password);
  const encryptedPrivateKeyInfo = sequence(
    shroudedKey.algorithm,
    octetString(shroudedKey.ciphertext),
  );
  const keyBag = sequence(
    objectIdentifier(oids.pkcs8ShroudedKeyBag),
    tlv(explicit0, encryptedPrivateKeyInfo),
    leafAttributes,
  );

  const authenticatedSafe = sequence(
    sequence(objectIdentifier(oids.encryptedData), tlv(explicit0, encryptedData)),
    dataContentInfo(sequence(keyBag)),
  );
  return sequence(
    smallInteger(3),
    dataContentInfo(authenticatedSafe),
    macData(authenticatedSafe, password),
  );
}

function dataContentInfo(content: Buffer): Buffer {
  return sequence(objectIdentifier(oids.data), tlv(explicit0, octetString(content)));
}

/** PBES2 (RFC 8018 6.2) with PBKDF2-HMAC-SHA256 and AES-256-CBC; the password as UTF-8. */
function encrypt(plaintext: Buffer, password: string): { algorithm: Buffer; ciphertext: Buffer } {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const key = pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, 32, "sha256");
  const cipher = createCipheriv("aes-256-cbc", key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);

  const prf = sequence(objectIdentifier(oids.hmacWithSHA256), nullValue());
  const pbkdf2Parameters = sequence(octetString(salt), smallInteger(iterations), prf);
  const algorithm = sequence(
    objectIdentifier(oids.pbes2),
    sequence(
      sequence(objectIdentifier(oids.pbkdf2), pbkdf2Parameters),
      sequence(objectIdentifier(oids.aes256Cbc), octetString(iv)),
    ),
  );
  return { algorithm, ciphertext };
}

/** MacData (RFC 7292 4): HMAC-SHA256 over the AuthenticatedSafe, key from Appendix B. */
function macData(authenticatedSafe: Buffer, password: string): Buffer {
  const salt = randomBytes(16);
  const key = pkcs12MacKey(password, salt);
  const mac = createHmac("sha256", key).update(authenticatedSafe).digest();
  const digestInfo = sequence(
    sequence(objectIdentifier(oids.sha256), nullValue()),
    octetString(mac),
  );
  return sequence(digestInfo, octetString(salt), smallInteger(iterations));
}

/**
 * RFC 7292 B.2 key derivation, ID 3 (MAC key), SHA-256. The MAC key is exactly one hash long,
 * so only the first output block A1 is needed and the I-update step of B.2 never runs. The
 * password is a BMPString with its two-octet terminator (B.1): UTF-16BE, then 00 00.
 */
function pkcs12MacKey(password: string, salt: Buffer): Buffer {
  const blockLength = 64; // v, SHA-256's input block
  const bmpPassword = Buffer.from(`${password}\0`, "utf16le").swap16();
  const diversifier = Buffer.alloc(blockLength, 3);
  const input = Buffer.concat([
    repeatToBlocks(salt, blockLength),
    repeatToBlocks(bmpPassword, blockLength),
  ]);

  let hash = createHash("sha256").update(diversifier).update(input).digest();
  for (let round = 1; round < iterations; round += 1) {
    hash = createHash("sha256").update(hash).digest();
  }
  return hash;
}

/** `bytes` repeated to fill whole blocks of `blockLength` (empty stays empty). */
function repeatToBlocks(bytes: Buffer, blockLength: number): Buffer {
  const length = blockLength * Math.ceil(bytes.length / blockLength);
  const filled = Buffer.alloc(length);
  for (let offset = 0; offset < length; offset += bytes.length) bytes.copy(filled, offset);
  return filled;
}
