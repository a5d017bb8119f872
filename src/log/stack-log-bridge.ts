import { format } from "node:util";
import { setErrorLogger, setWarningLogger } from "node-opcua-debug";
import { pino } from "pino";
import { createLogger, type Logger } from "./logger.js";

/**
 * node-opcua prints its own warnings and errors with console-style calls. This routes them into
 * our pino output as JSON lines (component "node-opcua"), so that stdout stays one format.
 * Imported before node-opcua itself, so that warnings printed while it loads are caught too.
 */
// Until the GDS routes them into its own log, stack messages go to stderr, so that the output
// of a client command (JSON on stdout) stays clean.
let target: Logger = createLogger({ level: "warn", destination: pino.destination(2) })
  .child({ component: "node-opcua" });

export function routeStackLogsTo(log: Logger): void {
  target = log.child({ component: "node-opcua" });
}

const strip = (text: string) => text.replace(/\s+/g, " ").trim().slice(0, 2000);

// node-opcua warns on Node 20 that RSA PKCS#1 v1.5 decryption is disabled. Only the
// Basic128Rsa15 policy needs it, and the GDS never offers that policy: the warning would only
// mislead an operator.
const irrelevant = /NODE-OPCUA-W27|security-revert=CVE-2023-46809/;

setWarningLogger((...args: unknown[]) => {
  const detail = strip(format(...args));
  if (irrelevant.test(detail)) return;
  target.warn({ detail }, "OPC UA stack warning");
});
setErrorLogger((...args: unknown[]) => {
  target.error({ detail: strip(format(...args)) }, "OPC UA stack error");
});
