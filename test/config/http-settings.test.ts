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
  const dir = await mkdtemp(join(tmpdir(), "sh-http-settings-"));
  dirs.push(dir);
  if (config !== undefined) await writeFile(join(dir, "config.json"), JSON.stringify(config));
  return dir;
}

describe("HTTP settings", () => {
  it("default to ports 58880 and 58843, URLs from the host name, nonces signed", async () => {
    const { http } = await loadSettings({ dataDir: await dataDir() });
    expect(http).toEqual({ host: undefined, port: 58880, httpsPort: 58843,
      publicUrl: undefined, ocspNonce: "sign" });
  });

  it("take config.json, overridden by flags", async () => {
    const dir = await dataDir({ http: { port: 8080, publicUrl: "http://pki.example/sh/",
      ocspNonce: "ignore" } });
    const { http } = await loadSettings({ dataDir: dir, httpPort: "8081", httpsPort: "8443" });
    expect(http.port).toBe(8081);
    expect(http.httpsPort).toBe(8443);
    expect(http.publicUrl).toBe("http://pki.example/sh");
    expect(http.ocspNonce).toBe("ignore");
  });

  it.each([
    [{ http: { port: 70000 } }, /setting "http.port" \(--http-port\)/],
    [{ http: { publicUrl: "ftp://pki.example" } }, /setting "http.publicUrl"/],
    [{ http: { publicUrl: "http://pki.example/?a=b" } }, /without query/],
    [{ http: { ocspNonce: "maybe" } }, /setting "http.ocspNonce".*sign, ignore/],
    [{ http: { prot: 1 } }, /setting "http.prot": is not a setting/],
    [{ http: [] }, /setting "http": must be an object/],
  ])("refuse %j naming the setting", async (config, message) => {
    await expect(loadSettings({ dataDir: await dataDir(config) })).rejects.toThrow(message);
  });
});
