import { GdsError } from "../core/errors.js";
import type { Logger } from "../log/logger.js";
import type { Signer } from "./signer.js";
import type { SecretSealer } from "./secret-sealer.js";
import { openPkcs11Module, paddedTokenLabel, type Pkcs11Module } from "./pkcs11-module.js";
import { defaultSigningThreads } from "./pkcs11-signing-threads.js";
import {
  checkSessionCount,
  defaultSessions,
  Pkcs11Token,
  type RawSigningHandle,
  type TokenDescription,
} from "./pkcs11-token.js";
import { bootstrapSoftHsm, defaultTokenLabel, softHsmLayout } from "./softhsm.js";
import { readPinFile } from "./pin-file.js";

/** Configuration entries, named in startup errors so an operator knows what to change. */
const settings = {
  module: "hsm.module",
  tokenLabel: "hsm.tokenLabel",
  pinFile: "hsm.pinFile",
  pinEnv: "hsm.pinEnv",
  sessions: "hsm.sessions",
  signingThreads: "hsm.signingThreads",
} as const;

export interface HsmOptions {
  /** The instance's data directory; the SoftHSM token lives in its hsm/ folder. */
  dataDir: string;
  /** An external PKCS#11 module (e.g. OpenSC's opensc-pkcs11.so); SoftHSM when absent. */
  module?: string;
  tokenLabel?: string;
  /** With `module`: a file holding the user PIN. */
  pinFile?: string;
  /** With `module`: the name of an environment variable holding the user PIN. */
  pinEnv?: string;
  /** How many signatures may run at once; 4 when absent. */
  sessions?: number;
  /** Threads calling C_Sign, each for its share of the sessions; one per core when absent. */
  signingThreads?: number;
  log: Logger;
}

export interface HsmDescription extends TokenDescription {
  backend: "softhsm" | "pkcs11";
}

export interface Hsm {
  /** The CA key with this label: found on the token, or generated inside it on first start. */
  /**
   * The RSA signing key of this label: found on the token, or generated inside it unless
   * `mayCreate` is false (then a missing key is an error, not a new key).
   */
  caSigner(label?: string, modulusBits?: number, mayCreate?: boolean):
    Promise<{ signer: Signer; created: boolean }>;
  /**
   * Seals secrets at rest with the AES-256 key of this label: found on the token, or generated
   * inside it on first start. The key never leaves the token.
   */
  secretSealer(label?: string): Promise<SecretSealer>;
  /** Module, token and slot; safe to log (holds no PIN). */
  describe(): HsmDescription;
  /** For benchmarks and tests only: a session and key handle for direct C_Sign calls. */
  rawSigningHandle(label?: string): Promise<RawSigningHandle>;
  close(): Promise<void>;
}

/**
 * Opens the key backend: the SoftHSM token under dataDir (created on first start), or the
 * token `tokenLabel` of an external module with the PIN from pinFile or pinEnv.
 */
export async function openHsm(options: HsmOptions): Promise<Hsm> {
  if (!options.dataDir) throw new Error("the data directory is not set");
  const log = options.log.child({ component: "hsm" });
  const tokenLabel = options.tokenLabel ?? defaultTokenLabel;
  checkTokenLabel(tokenLabel);
  const sessions = options.sessions ?? defaultSessions;
  checkSessionCount(sessions, settings.sessions);
  const signingThreads = options.signingThreads ?? defaultSigningThreads();
  checkSessionCount(signingThreads, settings.signingThreads);

  let backend: HsmDescription["backend"];
  let module: Pkcs11Module;
  let pin: string;
  if (options.module === undefined) {
    if (options.pinFile !== undefined || options.pinEnv !== undefined) {
      const ignored = [settings.pinFile, settings.pinEnv];
      log.warn({ settings: ignored }, "PIN settings ignored by SoftHSM");
    }
    const softHsm = await bootstrapSoftHsm({
      dataDir: options.dataDir,
      tokenLabel,
      log: options.log,
    });
    backend = "softhsm";
    module = softHsm.module;
    pin = softHsm.userPin;
  } else {
    pin = await externalPin(options, log);
    backend = "pkcs11";
    module = openPkcs11Module(options.module, settings.module);
  }

  let token: Pkcs11Token;
  try {
    token = Pkcs11Token.open({
      module,
      tokenLabel,
      pin,
      sessions,
      signingThreads,
      log: options.log,
      settings: {
        tokenLabel: settings.tokenLabel,
        pin: pinSetting(options, backend),
        sessions: settings.sessions,
      },
    });
  } catch (error) {
    module.finalize();
    throw error;
  }

  const hsm = new TokenHsm(token, backend);
  log.info({ ...hsm.describe(), sessions, signingThreads: Math.min(signingThreads, sessions) },
    "HSM opened");
  return hsm;
}

class TokenHsm implements Hsm {
  // Serialised so that two callers on a first start do not both generate a key.
  private pending: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly token: Pkcs11Token,
    private readonly backend: HsmDescription["backend"],
  ) {}

  caSigner(label = "ca", modulusBits = 2048, mayCreate = true):
  Promise<{ signer: Signer; created: boolean }> {
    const next = this.pending.then(async () => {
      const found = await this.token.findRsaSigner(label);
      if (found) return { signer: found, created: false };
      if (!mayCreate) {
        throw new GdsError("InvalidState", `the token holds no key labelled "${label}"`);
      }

      return { signer: await this.token.generateRsaSigner(label, modulusBits), created: true };
    });
    this.pending = next.catch(() => undefined);
    return next;
  }

  secretSealer(label = "seal"): Promise<SecretSealer> {
    const next = this.pending.then(async () => {
      const found = await this.token.findSecretSealer(label);
      return found ?? (await this.token.generateSecretSealer(label));
    });
    this.pending = next.catch(() => undefined);
    return next;
  }

  describe(): HsmDescription {
    return { backend: this.backend, ...this.token.describe() };
  }

  rawSigningHandle(label = "ca"): Promise<RawSigningHandle> {
    return this.token.rawSigningHandle(label);
  }

  close(): Promise<void> {
    return this.token.close();
  }
}

function checkTokenLabel(label: string): void {
  try {
    paddedTokenLabel(label);
  } catch (error) {
    throw new Error(`${settings.tokenLabel}: ${(error as Error).message}`);
  }
}

function pinSetting(options: HsmOptions, backend: HsmDescription["backend"]): string {
  if (backend === "softhsm") return softHsmLayout(options.dataDir).userPinPath;
  if (options.pinFile !== undefined) return settings.pinFile;
  return `${settings.pinEnv} (${options.pinEnv})`;
}

/** The user PIN of an external token; errors name the setting, never the PIN. */
async function externalPin(options: HsmOptions, log: Logger): Promise<string> {
  if (options.pinFile !== undefined) {
    const pin = await readPinFile(options.pinFile, log, settings.pinFile);
    if (pin === undefined) {
      throw new Error(`the PIN file ${options.pinFile} (${settings.pinFile}) does not exist`);
    }
    return pin;
  }

  if (options.pinEnv !== undefined) {
    const pin = process.env[options.pinEnv];
    if (!pin) {
      throw new Error(
        `the environment variable ${options.pinEnv} named by ${settings.pinEnv} is not set`,
      );
    }
    return pin;
  }

  throw new Error(
    `${settings.module} is set but no PIN is configured: set ${settings.pinFile} or ` +
      settings.pinEnv,
  );
}
