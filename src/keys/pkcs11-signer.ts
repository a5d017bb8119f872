import pkcs11js from "pkcs11js";
import { GdsError } from "../core/errors.js";
import { sha256WithRSAEncryption, type Signer } from "./signer.js";
import type { Handle, Pkcs11 } from "./pkcs11-module.js";
import type { Pkcs11SessionPool } from "./pkcs11-session-pool.js";
import type { RsaKeyObject } from "./pkcs11-rsa-key.js";

const mechanism: pkcs11js.Mechanism = { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS };

/**
 * Signs with an RSA key that stays inside the token (CKM_SHA256_RSA_PKCS: the token hashes).
 * Each signature borrows a session from the pool, so up to pool-size signatures run at once in
 * the libuv threadpool while the event loop stays free.
 */
export class Pkcs11Signer implements Signer {
  readonly publicKeyInfo: Buffer;
  readonly signatureAlgorithm = sha256WithRSAEncryption;

  /**
   * The native worker keeps bare pointers into the input and output buffers, no references:
   * holding them here keeps the garbage collector off them until C_Sign has returned.
   */
  private readonly inFlight = new Set<Buffer>();

  constructor(
    private readonly pkcs11: Pkcs11,
    private readonly pool: Pkcs11SessionPool,
    private readonly key: RsaKeyObject,
  ) {
    this.publicKeyInfo = key.publicKeyInfo;
  }

  async sign(data: Uint8Array): Promise<Buffer> {
    if (!(data instanceof Uint8Array)) {
      throw new GdsError("InvalidArgument", "data to sign must be bytes");
    }

    // A copy, because the caller may reuse its buffer while a threadpool thread still reads it.
    const input = Buffer.from(data);
    return this.pool.use((session) => this.signInSession(session, input));
  }

  private signInSession(session: Handle, input: Buffer): Promise<Buffer> {
    const output = Buffer.alloc(this.key.modulusLength);
    try {
      this.pkcs11.C_SignInit(session, mechanism, this.key.privateKey);
    } catch (error) {
      return Promise.reject(new GdsError("Internal", "HSM signing failed", error));
    }

    this.inFlight.add(input).add(output);
    return new Promise((resolve, reject) => {
      const settle = (error: unknown, signature?: Buffer) => {
        this.inFlight.delete(input);
        this.inFlight.delete(output);
        if (signature) resolve(signature);
        else reject(new GdsError("Internal", "HSM signing failed", error));
      };
      try {
        this.pkcs11.C_Sign(session, input, output, (error, signature) => {
          settle(error, error ? undefined : signature);
        });
      } catch (error) {
        settle(error);
      }
    });
  }
}
