import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { estKeys, estSettings, type EstSettings } from "./est-settings.js";
import { pushKeys, pushSettings, type PushSettings } from "./push-settings.js";
import { httpFlags, httpKeys, httpSettings, type HttpSettings } from "./http-settings.js";

/** Everything the GDS can be told at start; see README "Configuration". */
export interface Settings {
  dataDir: string;
  /** Interface to listen on; undefined means all interfaces. */
  host: string | undefined;
  port: number;
  /** Host name in the endpoint URL and in the GDS's own certificate. */
  hostname: string;
  applicationUri: string;
  /** Refuse channels whose certificate this GDS did not issue. */
  strictChannelCertificates: boolean;
  /** GetCertificateStatus asks for renewal this many days before notAfter. */
  renewalWindowDays: number;
  hsm: HsmSettings;
  /** Per certificate group: approval "automatic" or "manual", registeredHostsOnly. */
  certificateGroups: Record<string, GroupPolicySettings>;
  logLevel: string;
  http: HttpSettings;
  est: EstSettings;
  push: PushSettings;
}

export interface GroupPolicySettings {
  approval?: "automatic" | "manual";
  registeredHostsOnly?: boolean;
}

const groupIds = ["DefaultApplicationGroup", "DefaultHttpsGroup", "DefaultUserTokenGroup"];

export interface HsmSettings {
  /** PKCS#11 module of an external token; absent means the embedded SoftHSM2 token. */
  module?: string;
  tokenLabel?: string;
  pinFile?: string;
  pinEnv?: string;
  sessions: number;
  /** Threads making signatures; one per core when absent. */
  signingThreads?: number;
}

/** A setting that cannot be used; the message names it. */
export class SettingsError extends Error {
  constructor(setting: string, problem: string) {
    const flag = flagOf[setting];
    super(`setting "${setting}"${flag ? ` (${flag})` : ""}: ${problem}`);
    this.name = "SettingsError";
  }
}

export const configFileName = "config.json";

const topLevelKeys = ["host", "port", "hostname", "applicationUri", "strictChannelCertificates",
  "renewalWindowDays", "hsm", "certificateGroups", "logLevel", "http", "est", "push"];
const hsmKeys = ["module", "tokenLabel", "pinFile", "pinEnv", "sessions", "signingThreads"];

/** The command-line flag of a setting, named in error messages next to the setting. */
const flagOf: Record<string, string> = {
  host: "--host", port: "--port", hostname: "--hostname", applicationUri: "--application-uri",
  strictChannelCertificates: "--strict-channel-certificates",
  renewalWindowDays: "--renewal-window-days", "hsm.module": "--hsm-module",
  "hsm.tokenLabel": "--hsm-token-label", "hsm.pinFile": "--hsm-pin-file",
  "hsm.pinEnv": "--hsm-pin-env", logLevel: "--log-level", "data-dir": "--data-dir",
  ...httpFlags,
};

/**
 * Merges the embedded defaults, `DIR/config.json` and the command-line flags (in that order of
 * strength) and checks every value.
 */
export async function loadSettings(flags: Record<string, unknown>): Promise<Settings> {
  const dataDir = resolve(stringOr(flags.dataDir, "data-dir", "./data"));
  const file = await readConfigFile(join(dataDir, configFileName));
  const pick = (key: string) => (flags[key] !== undefined ? flags[key] : file[key]);
  const host = hostname();

  refuseUnknown(file, topLevelKeys, "");
  const hsmFile = objectOr(file.hsm, "hsm");
  refuseUnknown(hsmFile, hsmKeys, "hsm.");
  const httpFile = objectOr(file.http, "http");
  refuseUnknown(httpFile, httpKeys, "http.");
  const estFile = objectOr(file.est, "est");
  refuseUnknown(estFile, estKeys, "est.");
  const pushFile = objectOr(file.push, "push");
  refuseUnknown(pushFile, pushKeys, "push.");
  const listenHost = pick("host") === undefined ? undefined : hostName(pick("host"), "host");
  return {
    dataDir,
    host: listenHost,
    port: integerIn(pick("port") ?? 58810, "port", 0, 65535),
    // Bound to one address and no name given: advertise that address, not the machine name.
    hostname: hostName(pick("hostname") ?? (listenHost && listenHost !== "0.0.0.0"
      && listenHost !== "::" ? listenHost : host)),
    applicationUri: uri(pick("applicationUri") ?? `urn:${host}:security-handler:gds`,
      "applicationUri"),
    strictChannelCertificates: booleanOr(pick("strictChannelCertificates"),
      "strictChannelCertificates", false),
    renewalWindowDays: integerIn(pick("renewalWindowDays") ?? 30, "renewalWindowDays", 0, 3650),
    hsm: {
      module: optionalString(flags.hsmModule ?? hsmFile.module, "hsm.module"),
      tokenLabel: optionalString(flags.hsmTokenLabel ?? hsmFile.tokenLabel, "hsm.tokenLabel"),
      pinFile: optionalString(flags.hsmPinFile ?? hsmFile.pinFile, "hsm.pinFile"),
      pinEnv: optionalString(flags.hsmPinEnv ?? hsmFile.pinEnv, "hsm.pinEnv"),
      sessions: integerIn(hsmFile.sessions ?? 4, "hsm.sessions", 1, 64),
      signingThreads: hsmFile.signingThreads === undefined ? undefined
        : integerIn(hsmFile.signingThreads, "hsm.signingThreads", 1, 64),
    },
    certificateGroups: groupPolicies(file.certificateGroups),
    logLevel: oneOf(pick("logLevel") ?? "info", "logLevel",
      ["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
    http: httpSettings(httpFile, flags, (setting, problem) => new SettingsError(setting, problem)),
    est: estSettings(estFile, (setting, problem) => new SettingsError(setting, problem)),
    push: pushSettings(pushFile, (setting, problem) => new SettingsError(setting, problem)),
  };
}

async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new SettingsError(path, `cannot be read (${(error as Error).message})`);
  }
  try {
    return objectOr(JSON.parse(text), path);
  } catch (error) {
    if (error instanceof SettingsError) throw error;
    throw new SettingsError(path, "is not valid JSON");
  }
}

function objectOr(value: unknown, setting: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  throw new SettingsError(setting, "must be an object");
}

function optionalString(value: unknown, setting: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string" && value.length > 0) return value;
  throw new SettingsError(setting, "must be a non-empty string");
}

function stringOr(value: unknown, setting: string, fallback: string): string {
  return optionalString(value, setting) ?? fallback;
}

function integerIn(value: unknown, setting: string, min: number, max: number): number {
  const number = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number === "number" && Number.isInteger(number) && number >= min && number <= max) {
    return number;
  }
  throw new SettingsError(setting, `must be an integer from ${min} to ${max}`);
}

function booleanOr(value: unknown, setting: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "false") return value === "true";
  throw new SettingsError(setting, "must be true or false");
}

function oneOf(value: unknown, setting: string, allowed: string[]): string {
  if (typeof value === "string" && allowed.includes(value)) return value;
  throw new SettingsError(setting, `must be one of ${allowed.join(", ")}`);
}

function groupPolicies(value: unknown): Record<string, GroupPolicySettings> {
  const groups = objectOr(value, "certificateGroups");
  const policies: Record<string, GroupPolicySettings> = {};
  for (const [groupId, policy] of Object.entries(groups)) {
    const setting = `certificateGroups.${groupId}`;
    if (!groupIds.includes(groupId)) {
      throw new SettingsError(setting, `is not a certificate group (${groupIds.join(", ")})`);
    }
    const fields = objectOr(policy, setting);
    const unknown = Object.keys(fields).filter((key) =>
      key !== "approval" && key !== "registeredHostsOnly");
    if (unknown.length > 0) throw new SettingsError(`${setting}.${unknown[0]}`, "is not a setting");
    policies[groupId] = {
      approval: fields.approval === undefined ? undefined
        : oneOf(fields.approval, `${setting}.approval`, ["automatic", "manual"]) as
          GroupPolicySettings["approval"],
      registeredHostsOnly: fields.registeredHostsOnly === undefined ? undefined
        : booleanOr(fields.registeredHostsOnly, `${setting}.registeredHostsOnly`, false),
    };
  }
  return policies;
}

/** A typo must not silently fall back to a default (a mistyped hsm.module would put the CA key
 * in the embedded software token). */
function refuseUnknown(fields: Record<string, unknown>, known: string[], prefix: string): void {
  const unknown = Object.keys(fields).find((key) => !known.includes(key));
  if (unknown !== undefined) {
    throw new SettingsError(`${prefix}${unknown}`, `is not a setting (known: ${known.join(", ")})`);
  }
}

function hostName(value: unknown, setting = "hostname"): string {
  const name = optionalString(value, setting);
  const label = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
  const isName = name !== undefined && name.length <= 253
    && name.split(".").every((part) => label.test(part));
  if (name !== undefined && (isName || isIP(name) !== 0)) return name;
  throw new SettingsError(setting, "must be a host name or an IP address");
}

function uri(value: unknown, setting: string): string {
  const text = optionalString(value, setting);
  if (text && /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(text)) return text;
  throw new SettingsError(setting, "must be an absolute URI");
}
