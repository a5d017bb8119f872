import type { FastifyRequest } from "fastify";
import type { UserRole } from "../../core/records.js";
import type { Caller } from "../../gds/caller.js";
import type { BearerTokens } from "./bearer-tokens.js";
import { isEncrypted, presentedClientCertificate } from "./client-certificate.js";
import { AuthenticationRequired } from "./http-status.js";

export interface RestIdentity {
  tokens: BearerTokens;
  /** Roles of a signed-in user (UserDirectory.rolesOf). */
  rolesOf(userName: string): ReadonlySet<UserRole>;
  /** The application a client certificate stands for (CertificateDirectory.ownerOf). */
  ownerOf(certificate: Buffer | undefined): Promise<string | undefined>;
}

/**
 * Builds the core's Caller for a REST request, the same Caller OPC UA builds for a session: a
 * bearer token names a user with that user's roles; a client certificate this GDS issued to a
 * registered application gives ApplicationSelfAdmin for that application. Rights are then
 * checked by the core exactly as for OPC UA. A request with neither is answered 401.
 */
export async function restCaller(request: FastifyRequest, identity: RestIdentity)
  : Promise<Caller> {
  const securityMode = isEncrypted(request) ? "SignAndEncrypt" : "None";
  const userName = bearerUser(request, identity);
  const selfAdminOf = securityMode === "None"
    ? undefined
    : await identity.ownerOf(presentedClientCertificate(request));
  if (userName === undefined && selfAdminOf === undefined) {
    throw new AuthenticationRequired("Bearer");
  }
  const roles = userName === undefined ? new Set<UserRole>() : identity.rolesOf(userName);
  return { userName, roles, securityMode, selfAdminOf };
}

function bearerUser(request: FastifyRequest, identity: RestIdentity): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  // RFC 9110 11.1: the scheme is case-insensitive.
  const match = /^Bearer ([A-Za-z0-9_-]{16,128})$/i.exec(header);
  const userName = match ? identity.tokens.userOf(match[1]!) : undefined;
  if (userName === undefined) {
    throw new AuthenticationRequired("Bearer", "the bearer token is not valid or has expired");
  }
  return userName;
}
