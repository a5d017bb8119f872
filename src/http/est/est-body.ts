import { GdsError } from "../../core/errors.js";

const base64Text = /^[A-Za-z0-9+/]*={0,2}$/;
const pemArmor = /-----(BEGIN|END) (NEW )?CERTIFICATE REQUEST-----/g;

/**
 * The DER inside an EST request body: base64 (RFC 7030 4.2.1), line breaks allowed. A PEM
 * armour is tolerated because common clients send one; anything else that is not strict
 * base64 is refused rather than guessed at, since Buffer.from would silently skip bad bytes.
 */
export function decodeBase64Body(body: unknown): Buffer {
  if (typeof body !== "string") throw new GdsError("InvalidArgument", "the body must be base64");
  const compact = body.replace(pemArmor, "").replace(/[\r\n\t ]/g, "");
  if (compact.length === 0 || compact.length % 4 !== 0 || !base64Text.test(compact)) {
    throw new GdsError("InvalidArgument", "the body is not valid base64");
  }
  return Buffer.from(compact, "base64");
}

/** Base64 of a DER answer in lines of 64 characters, as RFC 7030 clients expect. */
export function base64Lines(der: Buffer): string {
  return `${der.toString("base64").replace(/.{1,64}/g, "$&\n")}`;
}

/** User name and password of an HTTP Basic Authorization header, or undefined. */
export function basicCredentials(header: string | undefined)
  : { userName: string; password: string } | undefined {
  const match = header === undefined ? null : /^Basic ([A-Za-z0-9+/=]{1,1024})$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { userName: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
