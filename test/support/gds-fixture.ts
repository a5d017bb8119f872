import "reflect-metadata";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { startGds, type RunningGds, type StartOptions } from "../../src/app/gds.js";
import { loadSettings, type Settings } from "../../src/config/settings.js";
import { createLogger, type Logger } from "../../src/log/logger.js";

export const adminPassword = "correct horse battery staple 7";

/** A GDS on 127.0.0.1 with an ephemeral port, a fresh data directory and captured logs. */
export class GdsFixture {
  readonly lines: string[] = [];
  readonly log: Logger;
  gds?: RunningGds;

  private constructor(readonly dataDir: string, readonly settings: Settings) {
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
        done();
      },
    });
    this.log = createLogger({ level: "debug", destination: sink });
  }

  static async create(
    flags: Record<string, unknown> = {},
    config?: Record<string, unknown>,
  ): Promise<GdsFixture> {
    const dataDir = await mkdtemp(join(tmpdir(), "sh-gds-"));
    if (config) await writeFile(join(dataDir, "config.json"), JSON.stringify(config));
    const settings = await loadSettings({
      dataDir, host: "127.0.0.1", hostname: "127.0.0.1", port: 0, httpPort: 0, httpsPort: 0,
      ...flags,
    });
    return new GdsFixture(dataDir, settings);
  }

  async start(options: StartOptions = { adminPassword }): Promise<RunningGds> {
    this.gds = await startGds(this.settings, this.log, options);
    return this.gds;
  }

  get endpointUrl(): string {
    if (!this.gds) throw new Error("the GDS is not running");
    return this.gds.endpointUrl;
  }

  async stop(): Promise<void> {
    await this.gds?.stop();
    this.gds = undefined;
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  output(): string {
    return this.lines.join("\n");
  }
}
