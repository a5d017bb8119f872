import { randomBytes } from "node:crypto";
import pkcs11js from "pkcs11js";
import { GdsError } from "../core/errors.js";
import type { Handle, Pkcs11 } from "./pkcs11-module.js";
import type { Pkcs11SessionPool } from "./pkcs11-session-pool.js";
import {
  checkAssociatedData,
  checkSealArguments,
  formatSealedSecret,
  parseSealedSecret,
  sealedAdditionalData,
  sealedSecretV1,
  unopenable,
  type SecretSealer,
} from "./secret-sealer.js";

type Direction = "encrypt" | "decrypt";
type Done = (error: Error, data: Buffer) => void;

/**
 * Seals with CKM_AES_GCM under an AES key that stays inside the token. Each call borrows a
 * session from the pool, so it never shares an operation with a signature, and runs
 * C_Encrypt/C_Decrypt in the libuv threadpool while the event loop stays free.
 *
 * The IV is 96 random bits from node:crypto per seal. With random IVs one key is good for about
 * 2^32 seals (NIST SP 800-38D); the GDS seals once per key pair request or credential, far
 * below. Tokens that insist on making the IV themselves (some HSMs in FIPS mode) refuse a
 * caller's IV in C_EncryptInit; supporting them needs the PKCS#11 3.0 message API.
 */
export class Pkcs11SecretSealer implements SecretSealer {
  /**
   * The native worker keeps bare pointers into the input and output buffers, no references:
   * holding them here keeps the garbage collector off them until the call has returned.
   */
  private readonly inFlight = new Set<Buffer>();

  constructor(
    private readonly pkcs11: Pkcs11,
    private readonly pool: Pkcs11SessionPool,
    private readonly key: Handle,
  ) {}

  async seal(plaintext: Buffer, associatedData: string): Promise<string> {
    checkSealArguments(plaintext, associatedData);

    const iv = randomBytes(sealedSecretV1.ivBytes);
    const mechanism = gcm(iv, associatedData);
    // A copy the caller cannot change while a threadpool thread reads it; wiped afterwards.
    const input = Buffer.from(plaintext);
    const output = Buffer.alloc(input.length + sealedSecretV1.tagBytes);
    try {
      const ciphertext = await this.pool.use((session) =>
        this.run("encrypt", session, mechanism, input, output),
      );
      return formatSealedSecret({ iv, ciphertext });
    } catch (error) {
      if (error instanceof GdsError) throw error;
      throw new GdsError("Internal", "HSM sealing failed", error);
    } finally {
      input.fill(0);
    }
  }

  async open(sealed: string, associatedData: string): Promise<Buffer> {
    checkAssociatedData(associatedData);
    const parts = parseSealedSecret(sealed);
    if (!parts) throw unopenable(new Error("not a v1 sealed secret"));

    const mechanism = gcm(parts.iv, associatedData);
    // As long as the input: SoftHSM wants room for the tag too, and a buffer too small would
    // leave the operation active and the session unusable (CKR_OPERATION_ACTIVE).
    const output = Buffer.alloc(parts.ciphertext.length);
    try {
      return await this.pool.use((session) =>
        this.run("decrypt", session, mechanism, parts.ciphertext, output),
      );
    } catch (error) {
      output.fill(0);
      // A GdsError here is the pool's (the HSM is closed), not a verdict on the value.
      throw error instanceof GdsError ? error : unopenable(error);
    }
  }

  /**
   * One single-part operation. A wrong tag fails C_Decrypt (SoftHSM says CKR_GENERAL_ERROR), and
   * a failed single-part call ends the operation, so the session goes back to the pool clean.
   */
  private run(
    direction: Direction,
    session: Handle,
    mechanism: pkcs11js.Mechanism,
    input: Buffer,
    output: Buffer,
  ): Promise<Buffer> {
    const { pkcs11 } = this;
    let start: (done: Done) => void;
    try {
      if (direction === "encrypt") {
        pkcs11.C_EncryptInit(session, mechanism, this.key);
        start = (done) => pkcs11.C_Encrypt(session, input, output, done);
      } else {
        pkcs11.C_DecryptInit(session, mechanism, this.key);
        start = (done) => pkcs11.C_Decrypt(session, input, output, done);
      }
    } catch (error) {
      return Promise.reject(error);
    }

    this.inFlight.add(input).add(output);
    return new Promise((resolve, reject) => {
      const settle = (error: unknown, data?: Buffer) => {
        this.inFlight.delete(input);
        this.inFlight.delete(output);
        if (data) resolve(data);
        else reject(error);
      };
      try {
        start((error, data) => settle(error, error ? undefined : data));
      } catch (error) {
        settle(error);
      }
    });
  }
}

/**
 * CK_PARAMS_GCM fills every field of CK_GCM_PARAMS; pkcs11js's older CK_PARAMS_AES_GCM leaves
 * ulIvBits uninitialised. The IV and AAD are read in C_EncryptInit/C_DecryptInit, which run on
 * this thread and copy them (SoftHSM does), so they need no holding past the Init call.
 */
function gcm(iv: Buffer, associatedData: string): pkcs11js.Mechanism {
  const parameter: pkcs11js.GcmParams = {
    type: pkcs11js.CK_PARAMS_GCM,
    iv,
    ivBits: iv.length * 8,
    aad: sealedAdditionalData(associatedData),
    tagBits: sealedSecretV1.tagBytes * 8,
  };
  return { mechanism: pkcs11js.CKM_AES_GCM, parameter };
}
