import { createPrivateKey } from "node:crypto";
import { checkDomainNames } from "../ca/domain-names.js";
import { generateKeyPair } from "../ca/key-pair.js";
import { packagePrivateKey } from "../ca/private-key-package.js";
import { parseSubjectName } from "../ca/subject-name.js";
import type { CertificateProfile } from "../ca/certificate-profile.js";
import { GdsError } from "../core/errors.js";
import type { KeyPairs } from "../gds/new-key-pair-parameters.js";

/** The CA core's key generation and packaging, in the shape the request logic needs. */
export const keyPairsFor = (profiles: Map<string, CertificateProfile>): KeyPairs => ({
  async generate(certificateTypeId) {
    const profile = profiles.get(certificateTypeId);
    if (!profile) throw new GdsError("InvalidArgument", "no profile for this CertificateType");
    const { publicKeyInfo, privateKey } = await generateKeyPair(profile.key);
    return {
      publicKeyInfo,
      privateKey: privateKey.export({ type: "pkcs8", format: "der" }),
    };
  },
  subjectName: (text) => parseSubjectName(text),
  domainNames: (names) => {
    const { dnsNames, ipAddresses } = checkDomainNames(names);
    return [...dnsNames, ...ipAddresses];
  },
  package: (input) => packagePrivateKey({
    ...input,
    privateKey: createPrivateKey({ key: input.privateKey, format: "der", type: "pkcs8" }),
  }),
});
