import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/logger.js";
import { openHsm } from "../../src/keys/hsm.js";
import { softHsmLayout } from "../../src/keys/softhsm.js";
import { tempDataDir } from "./temp-data-dir.js";

const lines: string[] = [];
const log = createLogger({ level: "trace", destination: { write: (line) => lines.push(line) } });

/** Everything an error can show: message, stack and the whole cause chain. */
function everythingIn(error: unknown): string {
  return inspect(error, { depth: 10, showHidden: true });
}

// One data directory for the whole file: SOFTHSM2_CONF is process-wide.
describe("HSM PINs", () => {
  let dataDir: Awaited<ReturnType<typeof tempDataDir>>;
  let module: string;
  let tokenLabel: string;
  let secrets: string[];
  const wrongPin = "wrong-pin-4a7c19e2d5";

  beforeAll(async () => {
    dataDir = await tempDataDir();
    const hsm = await openHsm({ dataDir: dataDir.path, log });
    await hsm.caSigner();
    ({ module, tokenLabel } = hsm.describe());
    await hsm.close();

    const layout = softHsmLayout(dataDir.path);
    const pins = await Promise.all(
      [layout.soPinPath, layout.userPinPath].map((path) => readFile(path, "utf8")),
    );
    secrets = [...pins.map((pin) => pin.trim()), wrongPin];
  });

  afterAll(async () => {
    delete process.env.SH_TEST_PIN;
    await dataDir?.remove();
  });

  it("a wrong PIN from a file fails with an error naming the setting, not the PIN", async () => {
    const pinFile = join(dataDir.path, "wrong.pin");
    await writeFile(pinFile, `${wrongPin}\n`, { mode: 0o600 });

    const error = await openHsm({ dataDir: dataDir.path, module, tokenLabel, pinFile, log }).then(
      () => undefined,
      (reason: unknown) => reason,
    );

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/CKR_PIN_INCORRECT.*hsm\.pinFile/);
    for (const secret of secrets) expect(everythingIn(error)).not.toContain(secret);
  });

  it("a wrong PIN from the environment fails the start without showing the PIN", async () => {
    process.env.SH_TEST_PIN = wrongPin;

    const error = await openHsm({
      dataDir: dataDir.path,
      module,
      tokenLabel,
      pinEnv: "SH_TEST_PIN",
      log,
    }).then(
      () => undefined,
      (reason: unknown) => reason,
    );

    expect((error as Error).message).toMatch(/CKR_PIN_INCORRECT.*hsm\.pinEnv \(SH_TEST_PIN\)/);
    for (const secret of secrets) expect(everythingIn(error)).not.toContain(secret);
  });

  it("the right PIN from the environment opens the token; describe() shows no PIN", async () => {
    process.env.SH_TEST_PIN = secrets[1];

    const hsm = await openHsm({
      dataDir: dataDir.path,
      module,
      tokenLabel,
      pinEnv: "SH_TEST_PIN",
      log,
    });
    const { created } = await hsm.caSigner();
    const description = JSON.stringify(hsm.describe());
    await hsm.close();

    expect(created).toBe(false);
    for (const secret of secrets) expect(description).not.toContain(secret);
  });

  it("no PIN reaches the log, at any level, in anything logged above", () => {
    const output = lines.join("");

    expect(output).toContain('"component":"hsm"');
    expect(output).toContain("SoftHSM token initialised");
    for (const secret of secrets) expect(output).not.toContain(secret);
  });
});
