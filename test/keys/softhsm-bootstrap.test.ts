import { createPublicKey, verify } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GdsError } from "../../src/core/errors.js";
import { createLogger } from "../../src/log/logger.js";
import { openHsm } from "../../src/keys/hsm.js";
import {
  defaultTokenLabel,
  findSoftHsmModule,
  softHsmLayout,
  softHsmModulePaths,
} from "../../src/keys/softhsm.js";
import { tempDataDir } from "./temp-data-dir.js";

const log = createLogger({ level: "silent" });

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

describe("finding the SoftHSM module", () => {
  it("takes SH_PKCS11_MODULE first", () => {
    const env = { SH_PKCS11_MODULE: "/opt/hsm/lib.so" };

    expect(findSoftHsmModule(env, (path) => path === "/opt/hsm/lib.so")).toBe("/opt/hsm/lib.so");
  });

  it("names SH_PKCS11_MODULE when it points nowhere", () => {
    const find = () => findSoftHsmModule({ SH_PKCS11_MODULE: "/nowhere.so" }, () => false);

    expect(find).toThrow(/SH_PKCS11_MODULE names \/nowhere\.so/);
  });

  it("falls back to the known install paths", () => {
    const last = softHsmModulePaths.at(-1)!;

    expect(findSoftHsmModule({}, (path) => path === last)).toBe(last);
  });

  it("says how to install SoftHSM2 or configure another module when there is none", () => {
    const find = () => findSoftHsmModule({}, () => false);

    expect(find).toThrow(/apt-get install softhsm2/);
    expect(find).toThrow(/hsm\.module/);
  });
});

// SOFTHSM2_CONF is process-wide: every SoftHSM test of this file opens and closes in turn.
describe("the SoftHSM token under a data directory", () => {
  let dataDir: Awaited<ReturnType<typeof tempDataDir>>;
  let firstKey: Buffer;
  let pins: { so: string; user: string };
  const layout = () => softHsmLayout(dataDir.path);

  beforeAll(async () => {
    dataDir = await tempDataDir();
  });

  afterAll(async () => {
    await dataDir?.remove();
  });

  it("is created on first start with owner-only PIN files and a CA key inside it", async () => {
    const hsm = await openHsm({ dataDir: dataDir.path, log });
    const { signer, created } = await hsm.caSigner();
    firstKey = signer.publicKeyInfo;
    await hsm.close();

    expect(created).toBe(true);
    expect(await modeOf(layout().dir)).toBe(0o700);
    expect(await modeOf(layout().tokenDir)).toBe(0o700);
    expect(await modeOf(layout().soPinPath)).toBe(0o600);
    expect(await modeOf(layout().userPinPath)).toBe(0o600);
    pins = {
      so: (await readFile(layout().soPinPath, "utf8")).trim(),
      user: (await readFile(layout().userPinPath, "utf8")).trim(),
    };
    expect(pins.so.length).toBeGreaterThanOrEqual(32);
    expect(pins.user.length).toBeGreaterThanOrEqual(32);
    expect(pins.so).not.toBe(pins.user);
  });

  it("writes a SoftHSM configuration pointing at its own token directory", async () => {
    const conf = await readFile(layout().confPath, "utf8");

    expect(process.env.SOFTHSM2_CONF).toBe(layout().confPath);
    expect(conf).toContain(`directories.tokendir = ${layout().tokenDir}\n`);
    expect(conf).toContain("objectstore.backend = file");
    expect(conf).toContain("log.level = ERROR");
    expect(conf).toContain("slots.removable = false");
  });

  it("is reused on the next start in the same process, with the same key and PINs", async () => {
    const hsm = await openHsm({ dataDir: dataDir.path, log });
    const { signer, created } = await hsm.caSigner();
    const description = hsm.describe();
    await hsm.close();

    expect(created).toBe(false);
    expect(signer.publicKeyInfo.equals(firstKey)).toBe(true);
    expect(description).toMatchObject({ backend: "softhsm", tokenLabel: defaultTokenLabel });
    expect((await readFile(layout().userPinPath, "utf8")).trim()).toBe(pins.user);
    expect((await readFile(layout().soPinPath, "utf8")).trim()).toBe(pins.so);
  });

  it("keeps a second CA key apart from the first by its label", async () => {
    const hsm = await openHsm({ dataDir: dataDir.path, log });
    const second = await hsm.caSigner("ca-2", 3072);
    const first = await hsm.caSigner("ca");
    await hsm.close();

    expect(second.created).toBe(true);
    expect(second.signer.publicKeyInfo.equals(firstKey)).toBe(false);
    expect(first.signer.publicKeyInfo.equals(firstKey)).toBe(true);
  });

  it("generates one key when two callers ask for a new CA key at once", async () => {
    const hsm = await openHsm({ dataDir: dataDir.path, log });
    const both = await Promise.all([hsm.caSigner("ca-3"), hsm.caSigner("ca-3")]);
    await hsm.close();

    expect(both.map((result) => result.created).sort()).toEqual([false, true]);
    expect(both[0].signer.publicKeyInfo.equals(both[1].signer.publicKeyInfo)).toBe(true);
  });

  it("refuses to start, naming the PIN file, when the token exists without it", async () => {
    const aside = `${layout().userPinPath}.aside`;
    await rename(layout().userPinPath, aside);

    try {
      const open = openHsm({ dataDir: dataDir.path, log });
      await expect(open).rejects.toThrow(/user\.pin is missing/);
    } finally {
      await rename(aside, layout().userPinPath);
    }
  });

  it("refuses a key size below 2048 bits", async () => {
    const hsm = await openHsm({ dataDir: dataDir.path, log });

    try {
      await expect(hsm.caSigner("small", 1024)).rejects.toBeInstanceOf(GdsError);
    } finally {
      await hsm.close();
    }
  });

  it("describes module, token, slot and serial", async () => {
    const hsm = await openHsm({ dataDir: dataDir.path, log });
    const description = hsm.describe();
    await hsm.close();

    expect(description.module).toMatch(/libsofthsm2\.so$/);
    expect(description.serialNumber).toMatch(/^[0-9a-f]{16}$/);
    expect(Number.isInteger(description.slot)).toBe(true);
    expect(description.manufacturer).toBe("SoftHSM project");
  });

  it("lets signatures already asked for finish when closed meanwhile", async () => {
    const hsm = await openHsm({ dataDir: dataDir.path, sessions: 2, log });
    const { signer } = await hsm.caSigner();
    const data = Buffer.from("tbsCertificate");
    const key = createPublicKey({ key: signer.publicKeyInfo, format: "der", type: "spki" });

    const pending = Array.from({ length: 12 }, () => signer.sign(data));
    await hsm.close();
    const signatures = await Promise.all(pending);

    for (const signature of signatures) expect(verify("sha256", data, key, signature)).toBe(true);
  });

  it("refuses to sign once closed", async () => {
    const hsm = await openHsm({ dataDir: dataDir.path, log });
    const { signer } = await hsm.caSigner();
    await hsm.close();

    await expect(signer.sign(Buffer.from("late"))).rejects.toMatchObject({ code: "Internal" });
  });
});

describe("a first start cut short", () => {
  it("is completed by the next start with the PINs already written", async () => {
    const dataDir = await tempDataDir();
    const layout = softHsmLayout(dataDir.path);
    await mkdir(layout.dir, { recursive: true, mode: 0o700 });
    await writeFile(layout.soPinPath, "so-pin-from-an-earlier-start\n", { mode: 0o600 });
    await writeFile(layout.userPinPath, "user-pin-from-an-earlier-start\n", { mode: 0o600 });

    try {
      const hsm = await openHsm({ dataDir: dataDir.path, log });
      const { created } = await hsm.caSigner();
      await hsm.close();

      expect(created).toBe(true);
      expect(await readFile(layout.userPinPath, "utf8")).toBe("user-pin-from-an-earlier-start\n");
    } finally {
      await dataDir.remove();
    }
  });
});

describe("HSM settings", () => {
  it("refuses a session count out of range, naming hsm.sessions, before writing", async () => {
    const dataDir = await tempDataDir();

    try {
      const open = openHsm({ dataDir: dataDir.path, sessions: 0, log });
      await expect(open).rejects.toThrow(/hsm\.sessions must be an integer from 1 to 64/);
      await expect(stat(softHsmLayout(dataDir.path).dir)).rejects.toThrow(/ENOENT/);
    } finally {
      await dataDir.remove();
    }
  });

  it("a token label longer than 32 bytes is refused, naming hsm.tokenLabel", async () => {
    const open = openHsm({ dataDir: "/unused", tokenLabel: "x".repeat(33), log });

    await expect(open).rejects.toThrow(/hsm\.tokenLabel/);
  });
});

describe("an external PKCS#11 module", () => {
  it("that does not exist is refused, naming hsm.module", async () => {
    const open = openHsm({
      dataDir: "/unused",
      module: "/nowhere/opensc-pkcs11.so",
      pinEnv: "PATH",
      log,
    });

    await expect(open).rejects.toThrow(/\/nowhere\/opensc-pkcs11\.so \(hsm\.module\)/);
  });

  it("without a PIN setting is refused, naming hsm.pinFile and hsm.pinEnv", async () => {
    const open = openHsm({ dataDir: "/unused", module: softHsmModulePaths[0]!, log });

    await expect(open).rejects.toThrow(/hsm\.pinFile or hsm\.pinEnv/);
  });

  it("with an unset PIN variable is refused, naming the variable and hsm.pinEnv", async () => {
    const open = openHsm({
      dataDir: "/unused",
      module: softHsmModulePaths[0]!,
      pinEnv: "SH_TEST_PIN_THAT_IS_NOT_SET",
      log,
    });

    await expect(open).rejects.toThrow(/SH_TEST_PIN_THAT_IS_NOT_SET named by hsm\.pinEnv/);
  });

  it("with a PIN file that does not exist is refused, naming hsm.pinFile", async () => {
    const open = openHsm({
      dataDir: "/unused",
      module: softHsmModulePaths[0]!,
      pinFile: "/nowhere/user.pin",
      log,
    });

    await expect(open).rejects.toThrow(/\/nowhere\/user\.pin \(hsm\.pinFile\) does not exist/);
  });

  it("without a token of the configured label is refused, naming hsm.tokenLabel", async () => {
    const dataDir = await tempDataDir();
    const first = await openHsm({ dataDir: dataDir.path, log });
    await first.close();
    const pin = await readFile(softHsmLayout(dataDir.path).userPinPath, "utf8");
    process.env.SH_TEST_PIN = pin.trim();

    try {
      const open = openHsm({
        dataDir: dataDir.path,
        module: first.describe().module,
        tokenLabel: "no-such-token",
        pinEnv: "SH_TEST_PIN",
        log,
      });
      await expect(open).rejects.toThrow(/"no-such-token" .*\(hsm\.tokenLabel\)/);
    } finally {
      delete process.env.SH_TEST_PIN;
      await dataDir.remove();
    }
  });
});
