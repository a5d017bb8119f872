import { createHash } from "node:crypto";

/**
 * The thumbprint OPC UA uses to name a certificate (Part 4, Part 12 trust list files): SHA-1
 * of the DER, as uppercase hex, the way Windows and the OPC Foundation stack show it. It names,
 * it does not secure: nothing may trust a certificate because its thumbprint matches.
 */
export function thumbprint(der: Uint8Array): string {
  return createHash("sha1").update(der).digest("hex").toUpperCase();
}
