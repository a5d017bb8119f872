import { readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GdsError } from "../core/errors.js";
import {
  keyPurposes,
  keyUsageBits,
  type KeyPurpose,
  type KeyUsageBit,
} from "./certificate-extensions.js";
import { ProfileFields } from "./profile-fields.js";
import { signatureAlgorithmNames, type SignatureAlgorithmName } from "./signature-algorithm.js";
import { namedCurves, type NamedCurve } from "./subject-public-key-info.js";

/** Which subject keys a certificate type accepts. */
export type KeyConstraint =
  | { readonly algorithm: "RSA"; readonly minBits: number; readonly maxBits: number }
  | { readonly algorithm: "EC"; readonly curves: readonly NamedCurve[] };

/**
 * What a certificate of one type looks like, read from `pki/profiles/<certificateType>.json`.
 * New certificate types (ECC, HTTPS, user tokens) are new files; new kinds of rule are new
 * fields, which older files then lack and get a default for.
 */
export interface CertificateProfile {
  /** The OPC UA CertificateType browse name, e.g. RsaSha256ApplicationCertificateType. */
  readonly certificateType: string;
  readonly key: KeyConstraint;
  /** How the issuing CA signs certificates of this type. */
  readonly signatureAlgorithm: SignatureAlgorithmName;
  readonly validityDays: number;
  readonly keyUsage: { readonly critical: boolean; readonly usages: readonly KeyUsageBit[] };
  readonly extendedKeyUsage: {
    readonly critical: boolean;
    readonly purposes: readonly KeyPurpose[];
  };
}

/** The profiles shipped with the product. */
export const defaultProfileDirectory = fileURLToPath(
  new URL("../../pki/profiles/", import.meta.url),
);

const defaultValidityDays = 365;

/** Validates a parsed profile; `source` names the file in error messages. */
export function parseCertificateProfile(json: unknown, source: string): CertificateProfile {
  const fields = ProfileFields.of(json, source);
  const certificateType = fields.string("certificateType");
  const key = parseKeyConstraint(fields.object("key"));
  const signatureAlgorithm = fields.oneOf("signatureAlgorithm", signatureAlgorithmNames);
  const validityDays = fields.integer("validityDays", {
    min: 1,
    max: 36_500,
    default: defaultValidityDays,
  });

  const keyUsageFields = fields.object("keyUsage");
  const keyUsage = {
    critical: keyUsageFields.boolean("critical", true),
    usages: keyUsageFields.listOf("usages", keyUsageBits),
  };
  keyUsageFields.finish();

  const ekuFields = fields.object("extendedKeyUsage");
  const extendedKeyUsage = {
    critical: ekuFields.boolean("critical", false),
    purposes: ekuFields.listOf("purposes", keyPurposes),
  };
  ekuFields.finish();
  fields.finish();

  // signatureAlgorithm is the CA's signature, not the subject key's: an ECC certificate type
  // may be signed by an RSA CA. Whether the CA key can make it is checked when the CA opens.
  return { certificateType, key, signatureAlgorithm, validityDays, keyUsage, extendedKeyUsage };
}

/** Every profile must name the signature the CA key makes (see parseCertificateProfile). */
export function checkProfilesFitCaKey(
  profiles: Iterable<CertificateProfile>,
  caSignatureAlgorithm: SignatureAlgorithmName,
): void {
  for (const profile of profiles) {
    if (profile.signatureAlgorithm !== caSignatureAlgorithm) {
      throw new GdsError("InvalidArgument", `pki/profiles/${profile.certificateType}.json: `
        + `the CA key signs with ${caSignatureAlgorithm}, not ${profile.signatureAlgorithm}`);
    }
  }
}

function parseKeyConstraint(fields: ProfileFields): KeyConstraint {
  const algorithm = fields.oneOf("algorithm", ["RSA", "EC"] as const);
  if (algorithm === "EC") {
    const curves = fields.listOf("curves", namedCurves);
    fields.finish();
    return { algorithm, curves };
  }

  const minBits = fields.integer("minBits", { min: 1024, max: 16_384 });
  const maxBits = fields.integer("maxBits", { min: minBits, max: 16_384 });
  fields.finish();
  return { algorithm, minBits, maxBits };
}

export async function loadCertificateProfile(file: string): Promise<CertificateProfile> {
  const profile = parseCertificateProfile(await ProfileFields.readFile(file), file);

  // The file name is how operators find a type's profile; keep them from drifting apart.
  if (basename(file, ".json") !== profile.certificateType) {
    const problem = "does not match the file name";
    throw new GdsError("InvalidArgument", `${file}: field "certificateType" ${problem}`);
  }
  return profile;
}

/** Every `*.json` profile in a directory, by certificate type. */
export async function loadCertificateProfiles(
  directory = defaultProfileDirectory,
): Promise<Map<string, CertificateProfile>> {
  const files = (await readdir(directory)).filter((name) => name.endsWith(".json")).sort();
  const profiles = new Map<string, CertificateProfile>();
  for (const file of files) {
    const profile = await loadCertificateProfile(join(directory, file));
    profiles.set(profile.certificateType, profile);
  }
  return profiles;
}
