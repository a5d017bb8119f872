import pkcs11js from "pkcs11js";

export type Pkcs11 = pkcs11js.PKCS11;
export type Handle = pkcs11js.Handle;

/** The CKR_ name of a PKCS#11 failure, or undefined when the error did not come from Cryptoki. */
export function pkcs11ReturnValue(error: unknown): string | undefined {
  if (!(error instanceof pkcs11js.Pkcs11Error)) return undefined;
  return error.message.startsWith("CKR_") ? error.message : undefined;
}

/** Slot and object handles are CK_ULONG values that pkcs11js hands out as native-order buffers. */
export function handleToNumber(handle: Handle): number {
  if (handle.length >= 8) return Number(handle.readBigUInt64LE(0));
  return handle.readUInt32LE(0);
}

/** A loaded and initialised PKCS#11 module; finalize() must be the last call made on it. */
export interface Pkcs11Module {
  readonly path: string;
  readonly pkcs11: Pkcs11;
  finalize(): void;
}

/**
 * Loads a PKCS#11 library and initialises it for calls from several threads at once.
 * `setting` names the configuration entry that chose the path, for the error message.
 */
export function openPkcs11Module(path: string, setting: string): Pkcs11Module {
  if (path.length === 0) throw new Error(`${setting} is empty: give the path of a PKCS#11 module`);

  const pkcs11 = new pkcs11js.PKCS11();
  try {
    pkcs11.load(path);
  } catch (error) {
    throw new Error(`cannot load the PKCS#11 module ${path} (${setting})`, { cause: error });
  }

  // Signatures run on signing threads, several sessions at a time. With flags 0 (what
  // pkcs11js passes by default) SoftHSM assumes a single-threaded caller and takes no locks;
  // concurrent C_Sign calls then crashed the process here (segmentation fault).
  try {
    pkcs11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch (error) {
    pkcs11.close();
    throw initializeError(path, setting, error);
  }

  let finalized = false;
  return {
    path,
    pkcs11,
    finalize() {
      if (finalized) return;
      finalized = true;
      try {
        pkcs11.C_Finalize();
      } finally {
        pkcs11.close();
      }
    },
  };
}

function initializeError(path: string, setting: string, cause: unknown): Error {
  const code = pkcs11ReturnValue(cause) ?? "no Cryptoki code";
  if (code === "CKR_CRYPTOKI_ALREADY_INITIALIZED") {
    return new Error(
      `the PKCS#11 module ${path} (${setting}) is already open in this process; ` +
        "close the other HSM first",
      { cause },
    );
  }
  return new Error(`the PKCS#11 module ${path} (${setting}) failed to initialise (${code})`, {
    cause,
  });
}

export interface SlotToken {
  slot: Handle;
  info: pkcs11js.TokenInfo;
}

/** PKCS#11 pads labels with blanks to 32 bytes; the comparison is on the trimmed label. */
export function findTokenByLabel(pkcs11: Pkcs11, label: string): SlotToken | undefined {
  for (const slot of pkcs11.C_GetSlotList(true)) {
    const info = pkcs11.C_GetTokenInfo(slot);
    const initialized = (info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) !== 0;
    if (initialized && info.label.trimEnd() === label) return { slot, info };
  }
  return undefined;
}

/** A token label as C_InitToken wants it: exactly 32 bytes of UTF-8, blank padded. */
export function paddedTokenLabel(label: string): string {
  const bytes = Buffer.byteLength(label, "utf8");
  if (bytes === 0 || bytes > 32) {
    throw new Error(`token label "${label}" must be 1 to 32 bytes of UTF-8`);
  }
  return label + " ".repeat(32 - bytes);
}
