import { randomBytes } from "node:crypto";
import pkcs11js from "pkcs11js";
import { pkcs11ReturnValue, type Handle, type Pkcs11 } from "./pkcs11-module.js";

/** An AES secret key object on the token, with what a startup check needs to know of it. */
export interface AesKeyObject {
  key: Handle;
  sensitive: boolean;
  extractable: boolean;
}

/** AES-256: the key length the sealer asks for. */
export const aesKeyBytes = 32;

/**
 * The template of a sealing key generated inside the token. It encrypts and decrypts and does
 * nothing else: no wrap/unwrap (it must not become a way to export other keys), no sign or
 * derive (one key, one purpose). Sensitive and not extractable, so it never leaves the token.
 */
export function aesKeyTemplate(label: string): pkcs11js.Template {
  return [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
    { type: pkcs11js.CKA_VALUE_LEN, value: aesKeyBytes },
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_PRIVATE, value: true },
    { type: pkcs11js.CKA_LABEL, value: label },
    { type: pkcs11js.CKA_ID, value: randomBytes(16) },
    { type: pkcs11js.CKA_SENSITIVE, value: true },
    { type: pkcs11js.CKA_EXTRACTABLE, value: false },
    { type: pkcs11js.CKA_ENCRYPT, value: true },
    { type: pkcs11js.CKA_DECRYPT, value: true },
    { type: pkcs11js.CKA_WRAP, value: false },
    { type: pkcs11js.CKA_UNWRAP, value: false },
    { type: pkcs11js.CKA_SIGN, value: false },
    { type: pkcs11js.CKA_VERIFY, value: false },
    { type: pkcs11js.CKA_DERIVE, value: false },
  ];
}

/** Every AES key with this label; C_FindObjects keeps its state in the session. */
export function findAesKeys(pkcs11: Pkcs11, session: Handle, label: string): Handle[] {
  pkcs11.C_FindObjectsInit(session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
    { type: pkcs11js.CKA_LABEL, value: label },
  ]);
  try {
    return pkcs11.C_FindObjects(session, 16);
  } finally {
    pkcs11.C_FindObjectsFinal(session);
  }
}

export function readAesKeyObject(pkcs11: Pkcs11, session: Handle, key: Handle): AesKeyObject {
  return {
    key,
    sensitive: readFlag(pkcs11, session, key, pkcs11js.CKA_SENSITIVE),
    extractable: readFlag(pkcs11, session, key, pkcs11js.CKA_EXTRACTABLE),
  };
}

/** A boolean attribute; false where the object has none, so a missing flag reads as unset. */
function readFlag(pkcs11: Pkcs11, session: Handle, object: Handle, type: number): boolean {
  let value: Buffer | undefined;
  try {
    value = pkcs11.C_GetAttributeValue(session, object, [{ type }])[0]?.value;
  } catch (error) {
    if (pkcs11ReturnValue(error) === "CKR_ATTRIBUTE_TYPE_INVALID") return false;
    throw error;
  }
  return value !== undefined && value.some((byte) => byte !== 0);
}
