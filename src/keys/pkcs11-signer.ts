import { GdsError } from "../core/errors.js";
import { sha256WithRSAEncryption, type Signer } from "./signer.js";
import type { Pkcs11SessionPool } from "./pkcs11-session-pool.js";
import type { RsaKeyObject } from "./pkcs11-rsa-key.js";
import type { SigningThreads } from "./pkcs11-signing-threads.js";

/**
 * Signs with an RSA key that stays inside the token (CKM_SHA256_RSA_PKCS: the token hashes).
 * Each signature borrows a session from the pool and runs on that session's signing thread, so
 * up to pool-size signatures run at once while the event loop stays free.
 */
export class Pkcs11Signer implements Signer {
  readonly publicKeyInfo: Buffer;
  readonly signatureAlgorithm = sha256WithRSAEncryption;

  constructor(
    private readonly threads: SigningThreads,
    private readonly pool: Pkcs11SessionPool,
    private readonly key: RsaKeyObject,
  ) {
    this.publicKeyInfo = key.publicKeyInfo;
  }

  async sign(data: Uint8Array): Promise<Buffer> {
    if (!(data instanceof Uint8Array)) {
      throw new GdsError("InvalidArgument", "data to sign must be bytes");
    }
    // A copy now: the caller may reuse its buffer while the signature waits for a session.
    const input = Buffer.from(data);
    return this.pool.use((session) =>
      this.threads.sign(session, this.key.privateKey, input, this.key.modulusLength));
  }
}
