import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface OpenSslResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the openssl command line, the independent verifier of these tests. OPENSSL_CONF is
 * dropped when a certificate manager has left the string "undefined" in it (see interop.md).
 */
export function openssl(args: readonly string[], cwd?: string): OpenSslResult {
  const env = { ...process.env };
  if (env.OPENSSL_CONF === "undefined") delete env.OPENSSL_CONF;
  const result = spawnSync("openssl", args, { cwd, env, encoding: "utf8" });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Like openssl() but fails the test with openssl's own words when the command fails. */
export function opensslOk(args: readonly string[], cwd?: string): string {
  const result = openssl(args, cwd);
  if (result.status !== 0) {
    throw new Error(`openssl ${args.join(" ")} failed:\n${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

/** A scratch directory for files openssl reads and writes. */
export class ScratchDirectory {
  readonly path = mkdtempSync(join(tmpdir(), "security-handler-ca-"));

  file(name: string): string {
    return join(this.path, name);
  }

  write(name: string, content: string | Uint8Array): string {
    writeFileSync(this.file(name), content);
    return this.file(name);
  }

  read(name: string): Buffer {
    return readFileSync(this.file(name));
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

export interface RequestOptions {
  /** -newkey argument, e.g. "rsa:2048", "rsa:1024", "ed25519". */
  readonly newKey?: string;
  /** -subj argument in OpenSSL's slash form. */
  readonly subject?: string;
  /** subjectAltName value, e.g. "URI:urn:a,DNS:host,IP:10.0.0.1". */
  readonly subjectAltName?: string;
  readonly extraArgs?: readonly string[];
}

/** A CSR made by openssl itself; returns its DER. The private key stays in the scratch dir. */
export function opensslRequest(scratch: ScratchDirectory, options: RequestOptions = {}): Buffer {
  return opensslKeyedRequest(scratch, options).request;
}

/** A request and the PEM private key openssl made for it. */
export function opensslKeyedRequest(
  scratch: ScratchDirectory,
  options: RequestOptions = {},
): { request: Buffer; key: Buffer } {
  const name = `request-${Math.random().toString(16).slice(2)}`;
  const args = ["req", "-new", "-newkey", options.newKey ?? "rsa:2048", "-nodes"];
  args.push("-keyout", scratch.file(`${name}.key`), "-outform", "DER");
  args.push("-out", scratch.file(`${name}.der`), "-subj", options.subject ?? "/CN=Test/O=Tests");
  if (options.subjectAltName) args.push("-addext", `subjectAltName=${options.subjectAltName}`);
  args.push(...(options.extraArgs ?? []));
  opensslOk(args);
  return { request: scratch.read(`${name}.der`), key: scratch.read(`${name}.key`) };
}

export interface Asn1Element {
  readonly offset: number;
  readonly headerLength: number;
  readonly length: number;
  readonly kind: string;
}

/** The elements at one depth, as `openssl asn1parse` sees them, in order. */
export function asn1Elements(der: Buffer, depth: number, scratch: ScratchDirectory): Asn1Element[] {
  const file = scratch.write(`asn1-${Math.random().toString(16).slice(2)}.der`, der);
  const lines = opensslOk(["asn1parse", "-inform", "DER", "-in", file]).split("\n");
  const pattern = /^\s*(\d+):d=(\d+)\s+hl=\s*(\d+)\s+l=\s*(\d+)\s+(?:prim|cons):\s*(.*?)\s*(?::|$)/;
  return lines.flatMap((line) => {
    const match = pattern.exec(line);
    if (!match || Number(match[2]) !== depth) return [];
    const [offset, , headerLength, length, kind] = match.slice(1);
    return [
      {
        offset: Number(offset),
        headerLength: Number(headerLength),
        length: Number(length),
        kind: kind!,
      },
    ];
  });
}

/** The bytes of one element found by asn1Elements. */
export function elementBytes(der: Buffer, element: Asn1Element): Buffer {
  return der.subarray(element.offset, element.offset + element.headerLength + element.length);
}
