import { GdsError } from "../core/errors.js";

/** Labels this CA writes (RFC 7468). "X509 CRL" is the one OpenSSL and OPC UA stacks read. */
export type PemLabel = "CERTIFICATE" | "X509 CRL" | "CERTIFICATE REQUEST";

/** RFC 7468 strict form: base64 in lines of 64 characters, LF line ends. */
export function encodePem(der: Uint8Array, label: PemLabel): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.length).toString("base64");
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** The DER of every block with the given label, in order; text around the blocks is ignored. */
export function decodePem(text: string, label: PemLabel): Buffer[] {
  const blocks: Buffer[] = [];
  const pattern = new RegExp(`-----BEGIN ${label}-----([^-]*)-----END ${label}-----`, "g");
  for (const [, body] of text.matchAll(pattern)) {
    const base64 = body!.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) {
      throw new GdsError("InvalidArgument", "PEM block is not base64");
    }
    blocks.push(Buffer.from(base64, "base64"));
  }
  return blocks;
}
