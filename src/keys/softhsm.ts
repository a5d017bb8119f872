import { existsSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import pkcs11js from "pkcs11js";
import type { Logger } from "../log/logger.js";
import {
  findTokenByLabel,
  openPkcs11Module,
  paddedTokenLabel,
  pkcs11ReturnValue,
  type Handle,
  type Pkcs11,
  type Pkcs11Module,
} from "./pkcs11-module.js";
import { createPinFile, readPinFile } from "./pin-file.js";

export const defaultTokenLabel = "security-handler-ca";

/** Where distributions put the SoftHSM2 library, searched after SH_PKCS11_MODULE. */
export const softHsmModulePaths = [
  "/usr/lib/softhsm/libsofthsm2.so",
  "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
  "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
  "/usr/local/lib/softhsm/libsofthsm2.so",
];

const templateUrl = new URL("../../pki/softhsm2.conf.template", import.meta.url);

export function findSoftHsmModule(
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = existsSync,
): string {
  const configured = env.SH_PKCS11_MODULE;
  if (configured) {
    if (exists(configured)) return configured;
    throw new Error(`SH_PKCS11_MODULE names ${configured}, which does not exist`);
  }

  const found = softHsmModulePaths.find((path) => exists(path));
  if (found) return found;
  throw new Error(
    "no SoftHSM2 PKCS#11 module found (SH_PKCS11_MODULE is unset; looked in " +
      `${softHsmModulePaths.join(", ")}): install SoftHSM2 (apt-get install softhsm2) ` +
      "or configure an external PKCS#11 module with hsm.module",
  );
}

/** The files of the SoftHSM token of one data directory. */
export interface SoftHsmLayout {
  dir: string;
  confPath: string;
  tokenDir: string;
  soPinPath: string;
  userPinPath: string;
}

export function softHsmLayout(dataDir: string): SoftHsmLayout {
  // Absolute, because SoftHSM would resolve a relative tokendir against its caller's cwd.
  const dir = join(resolve(dataDir), "hsm");
  return {
    dir,
    confPath: join(dir, "softhsm2.conf"),
    tokenDir: join(dir, "tokens"),
    soPinPath: join(dir, "so.pin"),
    userPinPath: join(dir, "user.pin"),
  };
}

export interface SoftHsmBootstrapOptions {
  dataDir: string;
  tokenLabel?: string;
  /** The library; found with findSoftHsmModule() when absent. */
  modulePath?: string;
  log: Logger;
}

export interface SoftHsmToken {
  /** Initialised with the instance's configuration; the caller finalizes it. */
  module: Pkcs11Module;
  tokenLabel: string;
  userPin: string;
  layout: SoftHsmLayout;
  /** True on the start that initialised the token. */
  created: boolean;
}

/**
 * Prepares the SoftHSM token under dataDir: on the first start it creates the configuration,
 * random SO and user PINs and the token itself; later starts find the token by its label.
 * SoftHSM reads SOFTHSM2_CONF in C_Initialize, so this sets it for the whole process.
 */
export async function bootstrapSoftHsm(options: SoftHsmBootstrapOptions): Promise<SoftHsmToken> {
  const tokenLabel = options.tokenLabel ?? defaultTokenLabel;
  paddedTokenLabel(tokenLabel);
  const modulePath = options.modulePath ?? findSoftHsmModule();
  const layout = softHsmLayout(options.dataDir);
  const log = options.log.child({ component: "hsm" });

  await writeConfiguration(layout);
  process.env.SOFTHSM2_CONF = layout.confPath;

  const module = openPkcs11Module(modulePath, "SH_PKCS11_MODULE");
  try {
    const existing = findTokenByLabel(module.pkcs11, tokenLabel);
    const pinReady = (existing?.info.flags ?? 0) & pkcs11js.CKF_USER_PIN_INITIALIZED;
    if (existing && pinReady) {
      const userPin = await readPinFile(layout.userPinPath, log);
      if (userPin === undefined) {
        throw new Error(
          `the SoftHSM token "${tokenLabel}" exists but its PIN file ${layout.userPinPath} ` +
            "is missing; restore it from the backup of the data directory",
        );
      }
      return { module, tokenLabel, userPin, layout, created: false };
    }

    // PINs are written before the token exists, and a token whose user PIN was never set is
    // finished here: a first start cut short at any step is completed by the next one.
    const soPin = await readOrCreatePin(layout.soPinPath, log);
    const userPin = await readOrCreatePin(layout.userPinPath, log);
    const slot = existing?.slot ?? initializeToken(module.pkcs11, tokenLabel, soPin, layout);
    initializeUserPin(module.pkcs11, slot, soPin, userPin, layout);
    log.info({ tokenLabel, tokenDir: layout.tokenDir }, "SoftHSM token initialised");
    return { module, tokenLabel, userPin, layout, created: true };
  } catch (error) {
    module.finalize();
    throw error;
  }
}

async function writeConfiguration(layout: SoftHsmLayout): Promise<void> {
  if (/[\r\n]/.test(layout.tokenDir)) {
    throw new Error("the data directory path must not contain line breaks");
  }
  for (const dir of [layout.dir, layout.tokenDir]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  }

  // Regenerated on every start so that a data directory restored elsewhere still points at
  // its own tokens; written aside and renamed so SoftHSM never reads half a file.
  const template = await readFile(templateUrl, "utf8");
  const conf = template.replaceAll("@TOKENDIR@", layout.tokenDir);
  const staging = `${layout.confPath}.new`;
  await writeFile(staging, conf, { mode: 0o600 });
  await rename(staging, layout.confPath);
}

async function readOrCreatePin(path: string, log: Logger): Promise<string> {
  return (await readPinFile(path, log)) ?? (await createPinFile(path));
}

/** C_InitToken on SoftHSM's free slot; returns the slot. */
function initializeToken(
  pkcs11: Pkcs11,
  label: string,
  soPin: string,
  layout: SoftHsmLayout,
): Handle {
  const free = pkcs11
    .C_GetSlotList(true)
    .find((slot) => (pkcs11.C_GetTokenInfo(slot).flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0);
  if (!free) throw new Error(`SoftHSM offers no free slot for a new token in ${layout.tokenDir}`);

  try {
    pkcs11.C_InitToken(free, soPin, paddedTokenLabel(label));
  } catch (error) {
    throw initializationError(error, layout);
  }
  return free;
}

/** The security officer sets the user PIN; only then can the user log in. */
function initializeUserPin(
  pkcs11: Pkcs11,
  slot: Handle,
  soPin: string,
  userPin: string,
  layout: SoftHsmLayout,
): void {
  try {
    const session = pkcs11.C_OpenSession(
      slot,
      pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION,
    );
    try {
      pkcs11.C_Login(session, pkcs11js.CKU_SO, soPin);
      pkcs11.C_InitPIN(session, userPin);
      pkcs11.C_Logout(session);
    } finally {
      pkcs11.C_CloseSession(session);
    }
  } catch (error) {
    throw initializationError(error, layout);
  }
}

function initializationError(cause: unknown, layout: SoftHsmLayout): Error {
  const code = pkcs11ReturnValue(cause) ?? "no Cryptoki code";
  return new Error(`SoftHSM token initialisation failed (${code}) in ${layout.tokenDir}`, {
    cause,
  });
}

/** Whether the embedded token of this data directory holds any token files. */
export async function embeddedTokenExists(dataDir: string): Promise<boolean> {
  const entries = await readdir(softHsmLayout(dataDir).tokenDir).catch(() => []);
  return entries.length > 0;
}
