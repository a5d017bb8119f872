import pkcs11js from "pkcs11js";
import { GdsError } from "../core/errors.js";
import type { Logger } from "../log/logger.js";
import type { Signer } from "./signer.js";
import {
  findTokenByLabel,
  handleToNumber,
  pkcs11ReturnValue,
  type Handle,
  type Pkcs11,
  type Pkcs11Module,
} from "./pkcs11-module.js";
import { Pkcs11SessionPool } from "./pkcs11-session-pool.js";
import { defaultSigningThreads, SigningThreads } from "./pkcs11-signing-threads.js";
import { Pkcs11Signer } from "./pkcs11-signer.js";
import { Pkcs11SecretSealer } from "./pkcs11-secret-sealer.js";
import {
  aesKeyBytes,
  aesKeyTemplate,
  findAesKeys,
  readAesKeyObject,
  type AesKeyObject,
} from "./pkcs11-aes-key.js";
import type { SecretSealer } from "./secret-sealer.js";
import {
  checkModulusBits,
  findKeyObjects,
  readRsaKeyObject,
  rsaKeyPairTemplates,
  type RsaKeyObject,
} from "./pkcs11-rsa-key.js";

export interface Pkcs11TokenOptions {
  /**
   * An initialised module. Once open() has succeeded the token owns it and finalizes it on
   * close(); if open() throws, the module is still the caller's to finalize.
   */
  module: Pkcs11Module;
  tokenLabel: string;
  pin: string;
  /** Sessions in the pool, i.e. how many signatures may run at once. */
  sessions?: number;
  /** Threads the sessions are shared out to; more than `sessions` would stay idle. */
  signingThreads?: number;
  log: Logger;
  /** Configuration entries named in startup errors. */
  settings?: { tokenLabel: string; pin: string; sessions: string };
}

export interface TokenDescription {
  module: string;
  tokenLabel: string;
  slot: number;
  serialNumber: string;
  manufacturer: string;
  model: string;
}

/** For benchmarks and tests only: what it takes to call C_SignInit/C_Sign directly. */
export interface RawSigningHandle {
  pkcs11: Pkcs11;
  /** A session of its own, outside the pool; closed with the token. */
  session: Handle;
  privateKey: Handle;
  mechanism: pkcs11js.Mechanism;
  signatureLength: number;
}

export const defaultSessions = 4;
const ownSettings = { tokenLabel: "tokenLabel", pin: "pin", sessions: "sessions" };
const sessionFlags = pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION;

/** Sessions and signing threads alike: from 1 to 64. */
export function checkSessionCount(count: number, setting: string): void {
  if (Number.isInteger(count) && count >= 1 && count <= 64) return;
  throw new Error(`${setting} must be an integer from 1 to 64, not ${count}`);
}

/** A logged-in token: finds and generates RSA keys and hands out signers for them. */
export class Pkcs11Token {
  private closing: Promise<void> | undefined;
  private readonly threads: SigningThreads;

  private constructor(
    private readonly module: Pkcs11Module,
    private readonly slot: Handle,
    private readonly info: pkcs11js.TokenInfo,
    private readonly pool: Pkcs11SessionPool,
    private readonly log: Logger,
    signingThreads: number,
  ) {
    this.threads = new SigningThreads(module.path, signingThreads);
  }

  static open(options: Pkcs11TokenOptions): Pkcs11Token {
    const sessions = options.sessions ?? defaultSessions;
    const settings = options.settings ?? ownSettings;
    checkSessionCount(sessions, settings.sessions);

    const { pkcs11 } = options.module;
    const token = findTokenByLabel(pkcs11, options.tokenLabel);
    if (!token) {
      throw new Error(
        `no initialised token labelled "${options.tokenLabel}" in ${options.module.path} ` +
          `(${settings.tokenLabel})`,
      );
    }

    const handles: Handle[] = [];
    try {
      for (let i = 0; i < sessions; i++) {
        handles.push(pkcs11.C_OpenSession(token.slot, sessionFlags));
      }
      login(pkcs11, handles[0]!, options.pin, settings.pin);
    } catch (error) {
      for (const session of handles) pkcs11.C_CloseSession(session);
      throw error;
    }

    const log = options.log.child({ component: "hsm" });
    const pool = new Pkcs11SessionPool(handles);
    return new Pkcs11Token(options.module, token.slot, token.info, pool, log,
      options.signingThreads ?? defaultSigningThreads());
  }

  describe(): TokenDescription {
    return {
      module: this.module.path,
      tokenLabel: this.info.label.trimEnd(),
      slot: handleToNumber(this.slot),
      serialNumber: this.info.serialNumber.trimEnd(),
      manufacturer: this.info.manufacturerID.trimEnd(),
      model: this.info.model.trimEnd(),
    };
  }

  /** The signer of the RSA private key with this CKA_LABEL, or undefined if there is none. */
  async findRsaSigner(label: string): Promise<Signer | undefined> {
    const key = await this.findRsaKey(label);
    return key && new Pkcs11Signer(this.threads, this.pool, key);
  }

  /** Generates an RSA key pair inside the token; the private key never exists outside it. */
  async generateRsaSigner(label: string, modulusBits: number): Promise<Signer> {
    checkLabel(label);
    checkModulusBits(modulusBits);
    if (await this.findRsaKey(label)) {
      throw new GdsError("InvalidState", "the HSM already holds a key with this label");
    }

    const { pkcs11 } = this.module;
    const templates = rsaKeyPairTemplates(label, modulusBits);
    const key = await this.pool
      .use(async (session) => {
        const pair = await pkcs11.C_GenerateKeyPairAsync(
          session,
          { mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN },
          templates.publicKey,
          templates.privateKey,
        );
        return readRsaKeyObject(pkcs11, session, pair.privateKey);
      })
      .catch((error: unknown) => {
        throw asGdsError(error, "HSM key generation failed");
      });

    this.log.info({ label, modulusBits }, "key pair generated in the HSM");
    return new Pkcs11Signer(this.threads, this.pool, key);
  }

  /** The sealer of the AES key with this CKA_LABEL, or undefined if there is none. */
  async findSecretSealer(label: string): Promise<SecretSealer | undefined> {
    const key = await this.findAesKey(label);
    return key && new Pkcs11SecretSealer(this.module.pkcs11, this.pool, key.key);
  }

  /** Generates an AES-256 key inside the token that can encrypt and decrypt, nothing more. */
  async generateSecretSealer(label: string): Promise<SecretSealer> {
    checkLabel(label);
    if (await this.findAesKey(label)) {
      throw new GdsError("InvalidState", "the HSM already holds a key with this label");
    }

    const { pkcs11 } = this.module;
    const key = await this.pool
      .use((session) =>
        pkcs11.C_GenerateKeyAsync(
          session,
          { mechanism: pkcs11js.CKM_AES_KEY_GEN },
          aesKeyTemplate(label),
        ),
      )
      .catch((error: unknown) => {
        throw asGdsError(error, "HSM key generation failed");
      });

    this.log.info({ label, keyBits: aesKeyBytes * 8 }, "secret key generated in the HSM");
    return new Pkcs11SecretSealer(pkcs11, this.pool, key);
  }

  /** For benchmarks and tests only: a private session and key handle for direct C_Sign calls. */
  async rawSigningHandle(label: string): Promise<RawSigningHandle> {
    const key = await this.findRsaKey(label);
    if (!key) throw new GdsError("NotFound", "no key with this label in the HSM");

    const { pkcs11 } = this.module;
    return {
      pkcs11,
      session: pkcs11.C_OpenSession(this.slot, sessionFlags),
      privateKey: key.privateKey,
      mechanism: { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS },
      signatureLength: key.modulusLength,
    };
  }

  /** Waits for running operations, then logs out, closes the sessions and finalizes the module. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    await this.pool.drain();
    await this.threads.close();

    const { pkcs11 } = this.module;
    try {
      pkcs11.C_Logout(this.pool.sessions[0]!);
    } catch (error) {
      this.log.warn({ code: pkcs11ReturnValue(error) }, "HSM logout failed");
    }
    try {
      pkcs11.C_CloseAllSessions(this.slot);
    } finally {
      this.module.finalize();
    }
    this.log.info({ tokenLabel: this.describe().tokenLabel }, "HSM closed");
  }

  private findRsaKey(label: string): Promise<RsaKeyObject | undefined> {
    return this.findKey(label,
      (pkcs11, session) => findKeyObjects(pkcs11, session, pkcs11js.CKO_PRIVATE_KEY, { label }),
      readRsaKeyObject);
  }

  private findAesKey(label: string): Promise<AesKeyObject | undefined> {
    return this.findKey(label,
      (pkcs11, session) => findAesKeys(pkcs11, session, label),
      readAesKeyObject);
  }

  /** The one key with this label; a key that can be revealed or exported is used but logged. */
  private async findKey<K extends { sensitive: boolean; extractable: boolean }>(
    label: string,
    find: (pkcs11: pkcs11js.PKCS11, session: Buffer) => Buffer[],
    read: (pkcs11: pkcs11js.PKCS11, session: Buffer, handle: Buffer) => K,
  ): Promise<K | undefined> {
    checkLabel(label);
    const { pkcs11 } = this.module;
    const key = await this.pool
      .use((session) => {
        const found = find(pkcs11, session);
        if (found.length > 1) {
          throw new GdsError("InvalidState", "the HSM holds more than one key with this label");
        }
        return found[0] && read(pkcs11, session, found[0]);
      })
      .catch((error: unknown) => {
        throw asGdsError(error, "HSM key lookup failed");
      });

    if (key && (!key.sensitive || key.extractable)) {
      this.log.warn(
        { label, sensitive: key.sensitive, extractable: key.extractable },
        "HSM key can be revealed or exported",
      );
    }
    return key;
  }
}

/** A Cryptoki failure becomes Internal with a safe message; the Pkcs11Error stays as cause. */
function asGdsError(error: unknown, safeMessage: string): GdsError {
  return error instanceof GdsError ? error : new GdsError("Internal", safeMessage, error);
}

function checkLabel(label: string): void {
  if (typeof label !== "string" || label.length === 0) {
    throw new GdsError("InvalidArgument", "a key label must be a non-empty string");
  }
}

/** Logs the user in; the error says which setting holds the PIN, never the PIN itself. */
function login(pkcs11: Pkcs11, session: Handle, pin: string, pinSetting: string): void {
  try {
    pkcs11.C_Login(session, pkcs11js.CKU_USER, pin);
  } catch (error) {
    const code = pkcs11ReturnValue(error) ?? "no Cryptoki code";
    if (code === "CKR_USER_ALREADY_LOGGED_IN") return;
    throw new Error(`HSM login failed (${code}): check the PIN given by ${pinSetting}`, {
      cause: error,
    });
  }
}
