import { createPublicKey, randomBytes } from "node:crypto";
import pkcs11js from "pkcs11js";
import { GdsError } from "../core/errors.js";
import { pkcs11ReturnValue, type Handle, type Pkcs11 } from "./pkcs11-module.js";

/** An RSA private key object on the token and what the signer needs of its public half. */
export interface RsaKeyObject {
  privateKey: Handle;
  publicKeyInfo: Buffer;
  /** Length of the modulus in bytes, which is also the length of every signature. */
  modulusLength: number;
  sensitive: boolean;
  extractable: boolean;
}

const smallestModulusBits = 2048;
const largestModulusBits = 8192;

export function checkModulusBits(modulusBits: number): void {
  const fits = Number.isInteger(modulusBits) && modulusBits % 8 === 0;
  if (fits && modulusBits >= smallestModulusBits && modulusBits <= largestModulusBits) return;
  throw new GdsError(
    "InvalidArgument",
    `RSA modulus size must be a multiple of 8 from ${smallestModulusBits} to ${largestModulusBits}`,
  );
}

/**
 * Attribute templates for a CA key pair generated inside the token. The private half can sign
 * and nothing else, is never revealed (sensitive, not extractable) and cannot be wrapped out.
 */
export function rsaKeyPairTemplates(label: string, modulusBits: number) {
  const id = randomBytes(16);
  const publicKey: pkcs11js.Template = [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_PRIVATE, value: false },
    { type: pkcs11js.CKA_LABEL, value: label },
    { type: pkcs11js.CKA_ID, value: id },
    { type: pkcs11js.CKA_MODULUS_BITS, value: modulusBits },
    { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([0x01, 0x00, 0x01]) },
    { type: pkcs11js.CKA_VERIFY, value: true },
    { type: pkcs11js.CKA_ENCRYPT, value: false },
    { type: pkcs11js.CKA_WRAP, value: false },
  ];
  const privateKey: pkcs11js.Template = [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_PRIVATE, value: true },
    { type: pkcs11js.CKA_LABEL, value: label },
    { type: pkcs11js.CKA_ID, value: id },
    { type: pkcs11js.CKA_SENSITIVE, value: true },
    { type: pkcs11js.CKA_EXTRACTABLE, value: false },
    { type: pkcs11js.CKA_SIGN, value: true },
    { type: pkcs11js.CKA_DECRYPT, value: false },
    { type: pkcs11js.CKA_UNWRAP, value: false },
    { type: pkcs11js.CKA_DERIVE, value: false },
  ];
  return { publicKey, privateKey };
}

/** Every object of the class with this label; C_FindObjects keeps state in the session. */
export function findKeyObjects(
  pkcs11: Pkcs11,
  session: Handle,
  objectClass: number,
  match: { label?: string; id?: Buffer },
): Handle[] {
  const template: pkcs11js.Template = [
    { type: pkcs11js.CKA_CLASS, value: objectClass },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
  ];
  if (match.label !== undefined) template.push({ type: pkcs11js.CKA_LABEL, value: match.label });
  if (match.id !== undefined) template.push({ type: pkcs11js.CKA_ID, value: match.id });

  pkcs11.C_FindObjectsInit(session, template);
  try {
    return pkcs11.C_FindObjects(session, 16);
  } finally {
    pkcs11.C_FindObjectsFinal(session);
  }
}

/** One attribute, or undefined where the object has none (or refuses to tell). */
function readAttribute(
  pkcs11: Pkcs11,
  session: Handle,
  object: Handle,
  type: number,
): Buffer | undefined {
  try {
    return pkcs11.C_GetAttributeValue(session, object, [{ type }])[0]?.value;
  } catch (error) {
    const code = pkcs11ReturnValue(error);
    if (code === "CKR_ATTRIBUTE_TYPE_INVALID" || code === "CKR_ATTRIBUTE_SENSITIVE") return;
    throw error;
  }
}

function readFlag(pkcs11: Pkcs11, session: Handle, object: Handle, type: number): boolean {
  const value = readAttribute(pkcs11, session, object, type);
  return value !== undefined && value.length > 0 && value.some((byte) => byte !== 0);
}

/**
 * Reads the public half of an RSA private key object. Most tokens keep modulus and exponent on
 * the private object; some (smart cards among them) only on the public object with the same ID.
 */
export function readRsaKeyObject(
  pkcs11: Pkcs11,
  session: Handle,
  privateKey: Handle,
): RsaKeyObject {
  let modulus = readAttribute(pkcs11, session, privateKey, pkcs11js.CKA_MODULUS);
  let exponent = readAttribute(pkcs11, session, privateKey, pkcs11js.CKA_PUBLIC_EXPONENT);

  if (!modulus || !exponent) {
    const id = readAttribute(pkcs11, session, privateKey, pkcs11js.CKA_ID);
    const [publicKey] = id ? findKeyObjects(pkcs11, session, pkcs11js.CKO_PUBLIC_KEY, { id }) : [];
    if (publicKey) {
      modulus = readAttribute(pkcs11, session, publicKey, pkcs11js.CKA_MODULUS);
      exponent = readAttribute(pkcs11, session, publicKey, pkcs11js.CKA_PUBLIC_EXPONENT);
    }
  }
  if (!modulus || !exponent) {
    throw new GdsError("Internal", "the HSM does not reveal the public half of the CA key");
  }

  const n = withoutLeadingZeros(modulus);
  return {
    privateKey,
    publicKeyInfo: rsaPublicKeyInfo(n, withoutLeadingZeros(exponent)),
    modulusLength: n.length,
    sensitive: readFlag(pkcs11, session, privateKey, pkcs11js.CKA_SENSITIVE),
    extractable: readFlag(pkcs11, session, privateKey, pkcs11js.CKA_EXTRACTABLE),
  };
}

/** SubjectPublicKeyInfo DER; node:crypto does the encoding and rejects a malformed key. */
export function rsaPublicKeyInfo(modulus: Buffer, exponent: Buffer): Buffer {
  const key = createPublicKey({
    key: { kty: "RSA", n: modulus.toString("base64url"), e: exponent.toString("base64url") },
    format: "jwk",
  });
  return key.export({ type: "spki", format: "der" });
}

function withoutLeadingZeros(value: Buffer): Buffer {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  return value.subarray(start);
}
