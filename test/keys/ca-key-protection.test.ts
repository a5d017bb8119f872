import pkcs11js from "pkcs11js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/logger.js";
import { openHsm, type Hsm } from "../../src/keys/hsm.js";
import type { RawSigningHandle } from "../../src/keys/pkcs11-token.js";
import { tempDataDir } from "./temp-data-dir.js";

const log = createLogger({ level: "silent" });

/** The PKCS#11 return value a call fails with, or "CKR_OK" when it does not fail. */
function returnValueOf(call: () => unknown): string {
  try {
    call();
    return "CKR_OK";
  } catch (error) {
    return error instanceof pkcs11js.Pkcs11Error ? error.message : String(error);
  }
}

describe("the CA private key generated in the HSM", () => {
  let dataDir: Awaited<ReturnType<typeof tempDataDir>>;
  let hsm: Hsm;
  let raw: RawSigningHandle;

  beforeAll(async () => {
    dataDir = await tempDataDir();
    hsm = await openHsm({ dataDir: dataDir.path, log });
    await hsm.caSigner("ca", 2048);
    raw = await hsm.rawSigningHandle("ca");
  });

  afterAll(async () => {
    await hsm?.close();
    await dataDir?.remove();
  });

  function flag(object: Buffer, type: number): boolean {
    const [attribute] = raw.pkcs11.C_GetAttributeValue(raw.session, object, [{ type }]);
    return attribute!.value.some((byte) => byte !== 0);
  }

  function publicKey(): Buffer {
    const { pkcs11, session } = raw;
    pkcs11.C_FindObjectsInit(session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
      { type: pkcs11js.CKA_LABEL, value: "ca" },
    ]);
    const [found] = pkcs11.C_FindObjects(session, 2);
    pkcs11.C_FindObjectsFinal(session);
    return found!;
  }

  it.each([
    ["CKA_PRIVATE_EXPONENT", pkcs11js.CKA_PRIVATE_EXPONENT],
    ["CKA_PRIME_1", pkcs11js.CKA_PRIME_1],
    ["CKA_PRIME_2", pkcs11js.CKA_PRIME_2],
    ["CKA_EXPONENT_1", pkcs11js.CKA_EXPONENT_1],
    ["CKA_COEFFICIENT", pkcs11js.CKA_COEFFICIENT],
  ])("refuses to reveal %s with CKR_ATTRIBUTE_SENSITIVE", (_name, type) => {
    const read = () => raw.pkcs11.C_GetAttributeValue(raw.session, raw.privateKey, [{ type }]);

    expect(returnValueOf(read)).toBe("CKR_ATTRIBUTE_SENSITIVE");
  });

  it("is a sensitive, never extractable token object that can sign and do nothing else", () => {
    expect(flag(raw.privateKey, pkcs11js.CKA_TOKEN)).toBe(true);
    expect(flag(raw.privateKey, pkcs11js.CKA_PRIVATE)).toBe(true);
    expect(flag(raw.privateKey, pkcs11js.CKA_SENSITIVE)).toBe(true);
    expect(flag(raw.privateKey, pkcs11js.CKA_ALWAYS_SENSITIVE)).toBe(true);
    expect(flag(raw.privateKey, pkcs11js.CKA_EXTRACTABLE)).toBe(false);
    expect(flag(raw.privateKey, pkcs11js.CKA_NEVER_EXTRACTABLE)).toBe(true);
    expect(flag(raw.privateKey, pkcs11js.CKA_SIGN)).toBe(true);
    expect(flag(raw.privateKey, pkcs11js.CKA_DECRYPT)).toBe(false);
    expect(flag(raw.privateKey, pkcs11js.CKA_UNWRAP)).toBe(false);
    expect(flag(raw.privateKey, pkcs11js.CKA_DERIVE)).toBe(false);
  });

  it("has a public key that verifies and neither encrypts nor wraps", () => {
    const key = publicKey();

    expect(flag(key, pkcs11js.CKA_VERIFY)).toBe(true);
    expect(flag(key, pkcs11js.CKA_ENCRYPT)).toBe(false);
    expect(flag(key, pkcs11js.CKA_WRAP)).toBe(false);
  });

  it("cannot be made extractable or non-sensitive afterwards", () => {
    const { pkcs11, session, privateKey } = raw;
    const setFlag = (type: number, value: boolean) => () =>
      pkcs11.C_SetAttributeValue(session, privateKey, [{ type, value }]);

    expect(returnValueOf(setFlag(pkcs11js.CKA_EXTRACTABLE, true))).not.toBe("CKR_OK");
    expect(returnValueOf(setFlag(pkcs11js.CKA_SENSITIVE, false))).not.toBe("CKR_OK");
    expect(flag(privateKey, pkcs11js.CKA_EXTRACTABLE)).toBe(false);
    expect(flag(privateKey, pkcs11js.CKA_SENSITIVE)).toBe(true);
  });

  it("cannot be wrapped out of the token, even with a wrapping key made for the purpose", () => {
    const { pkcs11, session, privateKey } = raw;
    const wrappingKey = pkcs11.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_TOKEN, value: false },
      { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
      { type: pkcs11js.CKA_WRAP, value: true },
    ]);
    const wrap = () =>
      pkcs11.C_WrapKey(
        session,
        { mechanism: pkcs11js.CKM_AES_KEY_WRAP_PAD },
        wrappingKey,
        privateKey,
        Buffer.alloc(4096),
      );

    // A control: the same wrapping key and mechanism do export an extractable session key.
    const control = pkcs11.C_GenerateKeyPair(
      session,
      { mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN },
      [
        { type: pkcs11js.CKA_TOKEN, value: false },
        { type: pkcs11js.CKA_MODULUS_BITS, value: 2048 },
        { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
      ],
      [
        { type: pkcs11js.CKA_TOKEN, value: false },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: true },
      ],
    );
    const wrapControl = () =>
      pkcs11.C_WrapKey(
        session,
        { mechanism: pkcs11js.CKM_AES_KEY_WRAP_PAD },
        wrappingKey,
        control.privateKey,
        Buffer.alloc(4096),
      );

    try {
      expect(returnValueOf(wrapControl)).toBe("CKR_OK");
      expect(returnValueOf(wrap)).toBe("CKR_KEY_UNEXTRACTABLE");
    } finally {
      for (const key of [wrappingKey, control.privateKey, control.publicKey]) {
        pkcs11.C_DestroyObject(session, key);
      }
    }
  });
});
