import type { TLSSocket } from "node:tls";
import type { FastifyRequest } from "fastify";

/**
 * The certificate the TLS client presented (DER), whether or not TLS could verify it. The
 * handshake proved the client holds its private key; whether this CA issued it, and whether it
 * is revoked or expired, is for the caller to decide from the store (Authority.status), which
 * is what lets an explicit policy renew a certificate that has just expired.
 */
export function presentedClientCertificate(request: FastifyRequest): Buffer | undefined {
  const socket = request.raw.socket as Partial<TLSSocket>;
  if (!socket.encrypted || !socket.getPeerCertificate) return undefined;
  const peer = socket.getPeerCertificate();
  return peer?.raw && peer.raw.length > 0 ? peer.raw : undefined;
}

/** True on the HTTPS listener: the core treats TLS like an encrypted OPC UA channel. */
export function isEncrypted(request: FastifyRequest): boolean {
  return (request.raw.socket as Partial<TLSSocket>).encrypted === true;
}
