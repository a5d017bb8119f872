import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadSettings } from "../../src/config/settings.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function dataDir(config?: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sh-settings-"));
  dirs.push(dir);
  if (config !== undefined) {
    const text = typeof config === "string" ? config : JSON.stringify(config);
    await writeFile(join(dir, "config.json"), text);
  }
  return dir;
}

describe("settings", () => {
  it("uses the embedded defaults when nothing is configured", async () => {
    const settings = await loadSettings({ dataDir: await dataDir() });
    expect(settings.port).toBe(58810);
    expect(settings.host).toBeUndefined();
    expect(settings.renewalWindowDays).toBe(30);
    expect(settings.hsm.module).toBeUndefined();
    expect(settings.hsm.signingThreads).toBeUndefined();
    expect(settings.applicationUri).toMatch(/^urn:/);
  });

  it("takes the HSM's sessions and signing threads from the config file", async () => {
    const dir = await dataDir({ hsm: { sessions: 16, signingThreads: 16 } });
    const { hsm } = await loadSettings({ dataDir: dir });
    expect(hsm).toMatchObject({ sessions: 16, signingThreads: 16 });
  });

  it("lets flags override the config file", async () => {
    const dir = await dataDir({ port: 4841, renewalWindowDays: 10 });
    const settings = await loadSettings({ dataDir: dir, port: "4842" });
    expect(settings.port).toBe(4842);
    expect(settings.renewalWindowDays).toBe(10);
  });

  it.each([
    [{ port: "http" }, /setting "port"/],
    [{ port: 70000 }, /setting "port"/],
    [{ renewalWindowDays: -1 }, /setting "renewalWindowDays"/],
    [{ applicationUri: "not a uri" }, /setting "applicationUri"/],
    [{ logLevel: "loud" }, /setting "logLevel"/],
    [{ strictChannelCertificates: "yes" }, /setting "strictChannelCertificates"/],
    [{ hsm: { sessions: 0 } }, /setting "hsm.sessions"/],
    [{ hsm: { signingThreads: 0 } }, /setting "hsm.signingThreads"/],
    [{ hsm: { signingThreads: "many" } }, /setting "hsm.signingThreads"/],
    [{ hsm: "softhsm" }, /setting "hsm"/],
  ])("refuses %j with a message that names the setting", async (config, message) => {
    const dir = await dataDir(config);
    await expect(loadSettings({ dataDir: dir })).rejects.toThrow(message);
  });

  it("names the config file when it is not JSON", async () => {
    const dir = await dataDir("{ port: ");
    await expect(loadSettings({ dataDir: dir })).rejects.toThrow(/config\.json.*not valid JSON/);
  });
});

describe("push settings", () => {
  it("default to a pass every 5 minutes, 4 targets at once, backoff from 1 minute to 1 hour",
    async () => {
      const { push } = await loadSettings({ dataDir: await dataDir() });
      expect(push).toEqual({
        intervalMinutes: 5, concurrency: 4, backoffMinutes: 1, backoffMaxMinutes: 60,
      });
    });

  it("take config.json values", async () => {
    const dir = await dataDir({ push: { concurrency: 16, intervalMinutes: 30 } });
    const { push } = await loadSettings({ dataDir: dir });
    expect(push.concurrency).toBe(16);
    expect(push.intervalMinutes).toBe(30);
  });

  it.each([
    [{ push: { concurrency: 0 } }, /setting "push.concurrency": must be an integer from 1/],
    [{ push: { intervalMinutes: "5" } }, /setting "push.intervalMinutes"/],
    [{ push: { backoffMinutes: 10, backoffMaxMinutes: 5 } }, /push.backoffMaxMinutes/],
    [{ push: { concurency: 4 } }, /setting "push.concurency": is not a setting/],
  ])("refuse %j with a message naming the setting", async (config, message) => {
    await expect(loadSettings({ dataDir: await dataDir(config) })).rejects.toThrow(message);
  });
});
