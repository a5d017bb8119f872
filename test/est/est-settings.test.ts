import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSettings } from "../../src/config/settings.js";

async function settingsWith(est: unknown) {
  const dataDir = await mkdtemp(join(tmpdir(), "sh-est-settings-"));
  try {
    await writeFile(join(dataDir, "config.json"), JSON.stringify({ est }));
    return await loadSettings({ dataDir });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe("est settings", () => {
  it("refuse expired renewals by default and take a grace of 0 to 365 days", async () => {
    expect((await settingsWith({})).est.renewAfterExpiryDays).toBe(0);
    expect((await settingsWith({ renewAfterExpiryDays: 30 })).est.renewAfterExpiryDays).toBe(30);
    await expect(settingsWith({ renewAfterExpiryDays: -1 })).rejects
      .toThrow(/est.renewAfterExpiryDays/);
    await expect(settingsWith({ renewAfterExpiryDays: "30" })).rejects.toThrow(/0 to 365/);
    await expect(settingsWith({ renewAfterExpiry: 3 })).rejects.toThrow(/est.renewAfterExpiry/);
  });
});
