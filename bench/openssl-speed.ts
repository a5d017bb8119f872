import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * `openssl speed -seconds N rsa2048`: RSA-2048 signatures per second of OpenSSL on one core,
 * an outside reference for the token's rate. Undefined when openssl is missing or its output
 * is not understood. OPENSSL_CONF is left out of its environment: node-opcua sets it to the
 * string "undefined" in this process, which makes openssl fail.
 */
export async function opensslRsa2048SignsPerSecond(seconds: number): Promise<number | undefined> {
  const env = { ...process.env };
  delete env.OPENSSL_CONF;
  try {
    const { stdout } = await run("openssl", ["speed", "-seconds", String(seconds), "rsa2048"],
      { env, timeout: (seconds * 4 + 30) * 1000 });
    // "rsa 2048 bits 0.000314s 0.000017s   3181.0  57466.2": sign/s is the third number.
    const row = /^rsa\s+2048 bits\s+\S+s\s+\S+s\s+([\d.]+)\s+/m.exec(stdout);
    return row ? Number(row[1]) : undefined;
  } catch {
    return undefined;
  }
}
