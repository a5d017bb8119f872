import { format } from "node:util";
import { setErrorLogger, setWarningLogger } from "node-opcua-debug";
import { createLogger, type Logger } from "./logger.js";

/**
 * node-opcua prints its own warnings and errors with console-style calls. This routes them into
 * our pino output as JSON lines (component "node-opcua"), so that stdout stays one format.
 * Imported before node-opcua itself, so that warnings printed while it loads are caught too.
 */
let target: Logger = createLogger().child({ component: "node-opcua" });

export function routeStackLogsTo(log: Logger): void {
  target = log.child({ component: "node-opcua" });
}

const strip = (text: string) => text.replace(/\s+/g, " ").trim().slice(0, 2000);

setWarningLogger((...args: unknown[]) => {
  target.warn({ detail: strip(format(...args)) }, "OPC UA stack warning");
});
setErrorLogger((...args: unknown[]) => {
  target.error({ detail: strip(format(...args)) }, "OPC UA stack error");
});
