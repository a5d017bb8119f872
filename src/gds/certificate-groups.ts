import { GdsError } from "../core/errors.js";
import type { ApplicationRecord } from "../core/records.js";

export type ApprovalPolicy = "automatic" | "manual";

/**
 * A Part 12 CertificateGroup: the certificate types it issues and the policy its requests
 * follow. Ids are the Part 12 browse names; the OPC UA front-end maps them to NodeIds.
 */
export interface CertificateGroup {
  id: string;
  certificateTypes: string[];
  /** automatic: issue at once; manual: hold each request for an administrator. */
  approval: ApprovalPolicy;
  /** Only the hosts of the registered DiscoveryUrls may appear in the SAN. */
  registeredHostsOnly: boolean;
  /** Refused for pure clients (ApplicationType Client): HTTPS certificates are for servers. */
  serversOnly: boolean;
}

export const defaultApplicationGroup = "DefaultApplicationGroup";
export const defaultHttpsGroup = "DefaultHttpsGroup";
export const defaultUserTokenGroup = "DefaultUserTokenGroup";
export const rsaSha256ApplicationCertificateType = "RsaSha256ApplicationCertificateType";
export const eccNistP256ApplicationCertificateType = "EccNistP256ApplicationCertificateType";
export const eccNistP384ApplicationCertificateType = "EccNistP384ApplicationCertificateType";

export type GroupPolicy = Pick<CertificateGroup, "approval" | "registeredHostsOnly">;

export function defaultCertificateGroups(
  policies: Record<string, Partial<GroupPolicy>> = {},
): CertificateGroup[] {
  const group = (id: string, certificateTypes: string[], serversOnly: boolean) => ({
    id,
    certificateTypes,
    approval: policies[id]?.approval ?? "automatic",
    registeredHostsOnly: policies[id]?.registeredHostsOnly ?? false,
    serversOnly,
  });
  return [
    // The first type is the default when a request names none.
    group(defaultApplicationGroup, [rsaSha256ApplicationCertificateType,
      eccNistP256ApplicationCertificateType, eccNistP384ApplicationCertificateType], false),
    group(defaultHttpsGroup, ["HttpsCertificateType"], true),
    group(defaultUserTokenGroup, ["UserCredentialCertificateType"], false),
  ];
}

export class CertificateGroups {
  constructor(private readonly groups: CertificateGroup[] = defaultCertificateGroups()) {}

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

  /** Checks the group's policy for an application asking for a certificate. */
  checkRequest(group: CertificateGroup, application: ApplicationRecord, hosts: string[]): void {
    if (group.serversOnly && application.applicationType === 1) {
      throw new GdsError("RequestNotAllowed", `a client cannot request a ${group.id} certificate`);
    }
    if (!group.registeredHostsOnly) return;
    const registered = new Set(application.discoveryUrls.map(hostOf));
    if (hosts.some((host) => !registered.has(host.toLowerCase()))) {
      throw new GdsError("RequestNotAllowed", "the request names a host that is not registered");
    }
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, "").toLowerCase();
  } catch {
    return "";
  }
}
