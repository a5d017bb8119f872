import { GdsError } from "../core/errors.js";

/**
 * A Part 12 CertificateGroup: the certificate types it issues and whether requests are issued
 * at once. Ids are the Part 12 browse names; the OPC UA front-end maps them to NodeIds.
 */
export interface CertificateGroup {
  id: string;
  certificateTypes: string[];
}

export const defaultApplicationGroup = "DefaultApplicationGroup";
export const rsaSha256ApplicationCertificateType = "RsaSha256ApplicationCertificateType";

export const defaultCertificateGroups: CertificateGroup[] = [
  { id: defaultApplicationGroup, certificateTypes: [rsaSha256ApplicationCertificateType] },
];

export class CertificateGroups {
  constructor(private readonly groups: CertificateGroup[] = defaultCertificateGroups) {}

  ids(): string[] {
    return this.groups.map((group) => group.id);
  }

  /** A missing group id means the DefaultApplicationGroup, as Part 12 says. */
  find(groupId: string | undefined): CertificateGroup | undefined {
    const id = groupId ?? defaultApplicationGroup;
    return this.groups.find((group) => group.id === id);
  }

  /** Resolves group and type for a request; an unknown one is BadInvalidArgument. */
  resolve(groupId: string | undefined, typeId: string | undefined) {
    const group = this.find(groupId);
    if (!group) throw new GdsError("InvalidArgument", "unknown or unconfigured CertificateGroup");
    const certificateTypeId = typeId ?? group.certificateTypes[0];
    if (!certificateTypeId || !group.certificateTypes.includes(certificateTypeId)) {
      throw new GdsError("InvalidArgument", "the CertificateGroup has no such CertificateType");
    }
    return { group, certificateTypeId };
  }
}
