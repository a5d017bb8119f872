import { createPublicKey, randomBytes, verify } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/logger.js";
import { openHsm } from "../../src/keys/hsm.js";
import { sha256WithRSAEncryption, type Signer } from "../../src/keys/signer.js";
import { SoftwareSigner } from "../../src/keys/software-signer.js";
import { tempDataDir } from "./temp-data-dir.js";

interface SignerFixture {
  name: string;
  open(): Promise<{ signer: Signer; close(): Promise<void> }>;
}

const log = createLogger({ level: "silent" });

const fixtures: SignerFixture[] = [
  {
    name: "software",
    async open() {
      return { signer: await SoftwareSigner.generate(2048), close: async () => {} };
    },
  },
  {
    name: "PKCS#11 (SoftHSM)",
    async open() {
      const dataDir = await tempDataDir();
      const hsm = await openHsm({ dataDir: dataDir.path, sessions: 4, log });
      const { signer } = await hsm.caSigner("ca", 2048);
      return {
        signer,
        async close() {
          await hsm.close();
          await dataDir.remove();
        },
      };
    },
  },
];

function verifies(signer: Signer, data: Uint8Array, signature: Buffer): boolean {
  const key = createPublicKey({ key: signer.publicKeyInfo, format: "der", type: "spki" });
  return verify("sha256", data, key, signature);
}

describe.each(fixtures)("the $name signer", (fixture) => {
  let signer: Signer;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ signer, close } = await fixture.open());
  });

  afterAll(async () => {
    await close();
  });

  it("offers an RSA-2048 SubjectPublicKeyInfo that node:crypto reads", () => {
    const key = createPublicKey({ key: signer.publicKeyInfo, format: "der", type: "spki" });

    expect(key.asymmetricKeyType).toBe("rsa");
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(key.asymmetricKeyDetails?.publicExponent).toBe(65537n);
  });

  it("names sha256WithRSAEncryption as its signature algorithm", () => {
    expect(signer.signatureAlgorithm).toBe(sha256WithRSAEncryption);
  });

  it("produces a signature that verifies against publicKeyInfo", async () => {
    const data = randomBytes(700);

    const signature = await signer.sign(data);

    expect(signature.length).toBe(256);
    expect(verifies(signer, data, signature)).toBe(true);
  });

  it("refuses data that is not bytes with InvalidArgument", async () => {
    const text = "tbsCertificate" as unknown as Uint8Array;

    await expect(signer.sign(text)).rejects.toMatchObject({ code: "InvalidArgument" });
  });

  it("produces a signature that does not verify for other data", async () => {
    const signature = await signer.sign(Buffer.from("tbsCertificate"));

    expect(verifies(signer, Buffer.from("tbsCertificatf"), signature)).toBe(false);
  });

  it("signs a Uint8Array view into a larger buffer over the view only", async () => {
    const backing = randomBytes(300);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 10, 100);

    const signature = await signer.sign(view);

    expect(verifies(signer, backing.subarray(10, 110), signature)).toBe(true);
  });

  it("signs the data as passed, though the caller reuses its buffer at once", async () => {
    const data = randomBytes(500);
    const original = Buffer.from(data);

    const pending = signer.sign(data);
    data.fill(0);

    expect(verifies(signer, original, await pending)).toBe(true);
  });

  it("gives 40 concurrent sign() calls signatures that verify for their own data", async () => {
    const inputs = Array.from({ length: 40 }, (_, i) => randomBytes(200 + i));

    const signatures = await Promise.all(inputs.map((data) => signer.sign(data)));

    signatures.forEach((signature, i) => {
        expect(verifies(signer, inputs[i]!, signature)).toBe(true);
      });
  });
});
