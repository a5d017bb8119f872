import { loadSettings, SettingsError } from "../config/settings.js";
import { startGds } from "../app/gds.js";
import { createLogger } from "../log/logger.js";
import { routeStackLogsTo } from "../log/stack-log-bridge.js";

/** `security-handler start`: runs until SIGTERM or SIGINT, then stops cleanly. */
export async function startCommand(flags: Record<string, unknown>): Promise<void> {
  let settings;
  try {
    settings = await loadSettings(flags);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    process.stderr.write(`security-handler: ${error.message}\n`);
    process.exit(2);
  }

  const log = createLogger({ level: settings.logLevel });
  routeStackLogsTo(log);
  const adminPassword = process.env.SH_ADMIN_PASSWORD;
  delete process.env.SH_ADMIN_PASSWORD; // no child process inherits it
  let gds;
  try {
    gds = await startGds(settings, log, { adminPassword });
  } catch (error) {
    // The cause (a dlopen or PKCS#11 message) is what tells an operator what to fix.
    const cause = error instanceof Error && error.cause instanceof Error
      ? ` (${error.cause.message})` : "";
    const message = (error instanceof Error ? error.message : String(error)) + cause;
    log.fatal({ err: error }, "start failed");
    process.stderr.write(`security-handler: cannot start: ${message}\n`);
    process.exit(1);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    gds.stop().then(
      () => {
        log.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, "stop failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
