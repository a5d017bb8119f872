import { createPublicKey, generateKeyPair, sign, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { GdsError } from "../core/errors.js";
import { sha256WithRSAEncryption, type Signer } from "./signer.js";

const generateRsaKeyPair = promisify(generateKeyPair);
const signAsync = promisify(sign);

/**
 * A Signer over an RSA key held in process memory, for tests and contract checks. It gives
 * none of the protection of the PKCS#11 signer and is not offered as a production backend.
 */
export class SoftwareSigner implements Signer {
  readonly publicKeyInfo: Buffer;
  readonly signatureAlgorithm = sha256WithRSAEncryption;

  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.type !== "private" || privateKey.asymmetricKeyType !== "rsa") {
      throw new Error("a SoftwareSigner needs an RSA private key");
    }
    this.publicKeyInfo = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  }

  static async generate(modulusBits = 2048): Promise<SoftwareSigner> {
    const { privateKey } = await generateRsaKeyPair("rsa", { modulusLength: modulusBits });
    return new SoftwareSigner(privateKey);
  }

  /** With a callback node:crypto signs off the event loop, like the PKCS#11 signer. */
  async sign(data: Uint8Array): Promise<Buffer> {
    if (!(data instanceof Uint8Array)) {
      throw new GdsError("InvalidArgument", "data to sign must be bytes");
    }
    return signAsync("sha256", data, this.privateKey);
  }
}
