import { fileURLToPath } from "node:url";
import { isGdsError } from "../core/errors.js";
import { encodeDistinguishedName } from "./distinguished-name.js";
import { ProfileFields } from "./profile-fields.js";
import {
  signatureAlgorithmByName,
  signatureAlgorithmNames,
  type SignatureAlgorithmName,
} from "./signature-algorithm.js";
import { namedCurves, type NamedCurve } from "./subject-public-key-info.js";

export type CaKey =
  | { readonly algorithm: "RSA"; readonly bits: number }
  | { readonly algorithm: "EC"; readonly curve: NamedCurve };

/** How the CA itself is set up when it is created: `pki/ca.json`. */
export interface CaProfile {
  /** RFC 4514 string, e.g. "CN=Security Handler CA, O=Security Handler". */
  readonly subject: string;
  readonly key: CaKey;
  readonly signatureAlgorithm: SignatureAlgorithmName;
  readonly validityYears: number;
  /** How far nextUpdate lies after thisUpdate. */
  readonly crlValidityDays: number;
}

export const defaultCaProfileFile = fileURLToPath(new URL("../../pki/ca.json", import.meta.url));

export function parseCaProfile(json: unknown, source: string): CaProfile {
  const fields = ProfileFields.of(json, source);
  const subject = fields.string("subject");
  const key = parseCaKey(fields.object("key"));
  const signatureAlgorithm = fields.oneOf("signatureAlgorithm", signatureAlgorithmNames);
  const validityYears = fields.integer("validityYears", { min: 1, max: 100, default: 20 });
  const crlValidityDays = fields.integer("crlValidityDays", { min: 1, max: 366, default: 7 });
  fields.finish();

  // A subject that does not encode would only fail later, when the CA is created.
  try {
    encodeDistinguishedName(subject);
  } catch (error) {
    if (!isGdsError(error)) throw error;
    throw fields.error("subject", `is not a distinguished name (${error.message})`);
  }
  if (signatureAlgorithmByName(signatureAlgorithm).keyAlgorithm !== key.algorithm) {
    throw fields.error("signatureAlgorithm", `does not fit key algorithm ${key.algorithm}`);
  }
  return { subject, key, signatureAlgorithm, validityYears, crlValidityDays };
}

function parseCaKey(fields: ProfileFields): CaKey {
  const algorithm = fields.oneOf("algorithm", ["RSA", "EC"] as const);
  if (algorithm === "EC") {
    const curve = fields.oneOf("curve", namedCurves);
    fields.finish();
    return { algorithm, curve };
  }

  const bits = fields.integer("bits", { min: 2048, max: 16_384 });
  fields.finish();
  return { algorithm, bits };
}

export async function loadCaProfile(file = defaultCaProfileFile): Promise<CaProfile> {
  return parseCaProfile(await ProfileFields.readFile(file), file);
}
