import { pino, type Logger, type DestinationStream } from "pino";

export type { Logger };

/**
 * Field paths that may hold a secret. Declared once here; a test checks that none of them ever
 * reaches the output. Callers still never put a secret in a message string.
 */
export const redactedPaths = [
  "pin",
  "soPin",
  "userPin",
  "password",
  "adminPassword",
  "privateKey",
  "*.pin",
  "*.soPin",
  "*.userPin",
  "*.password",
  "*.privateKey",
  "hsm.pin",
];

export interface LoggerOptions {
  level?: string;
  /** Where lines go; stdout when absent. */
  destination?: DestinationStream;
}

/** The product's root logger: pino JSON lines, secrets redacted. Components take a child. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const settings = {
    level: options.level ?? process.env.SH_LOG_LEVEL ?? "info",
    base: { service: "security-handler" },
    redact: { paths: redactedPaths, censor: "[redacted]" },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
