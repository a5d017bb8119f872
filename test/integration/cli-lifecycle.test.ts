import { spawn } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const cli = join(import.meta.dirname, "..", "..", "bin", "security-handler.js");
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output, exited };
}

async function until(predicate: () => boolean, exited: Promise<unknown>): Promise<void> {
  let done = false;
  void exited.then(() => (done = true));
  while (!predicate()) {
    if (done) throw new Error("the process exited before it was ready");
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("security-handler start", () => {
  it("bootstraps, listens, and stops cleanly on SIGTERM, releasing its port", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "sh-cli-"));
    dirs.push(dataDir);
    const port = await freePort();
    const gds = run(["start", "--data-dir", dataDir, "--host", "127.0.0.1", "--port", String(port),
      "--http-port", "0", "--https-port", "0"]);

    await until(() => gds.output.stdout.includes('"msg":"listening"'), gds.exited);
    const listening = gds.output.stdout.split("\n").find((line) => line.includes('"listening"'));
    expect(JSON.parse(listening!).endpointUrl).toMatch(new RegExp(`^opc\\.tcp://.+:${port}$`));
    expect((await stat(join(dataDir, "admin.password"))).mode & 0o777).toBe(0o600);

    gds.child.kill("SIGTERM");
    expect(await gds.exited).toBe(0);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    await new Promise((resolve) => server.close(resolve));
    for (const line of gds.output.stdout.split("\n").filter(Boolean)) {
      expect(() => JSON.parse(line)).not.toThrow();
    }
  });

  it("refuses a bad setting with a message that names it", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "sh-cli-"));
    dirs.push(dataDir);
    const gds = run(["start", "--data-dir", dataDir, "--port", "99999"]);
    expect(await gds.exited).toBe(2);
    expect(gds.output.stderr).toContain('setting "port"');
  });
});
