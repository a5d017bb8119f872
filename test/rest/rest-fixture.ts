import { X509Certificate } from "node:crypto";
import { expect } from "vitest";
import { errorCodes } from "../../src/core/errors.js";
import { hashPassword } from "../../src/identity/password-hash.js";
import type { UserRole } from "../../src/core/records.js";
import type { StartOptions } from "../../src/app/gds.js";
import { serverRecord } from "../support/enrolment.js";
import { adminPassword, GdsFixture } from "../support/gds-fixture.js";
import { jsonCall, type HttpsAnswer } from "./https-client.js";

/** A running GDS with its HTTPS listener, and REST calls against it as a given user. */
export class RestFixture {
  private constructor(readonly gds: GdsFixture) {}

  static async start(config?: Record<string, unknown>, options?: StartOptions)
    : Promise<RestFixture> {
    const gds = await GdsFixture.create({ httpPort: 0, httpsPort: 0 }, config);
    await gds.start(options);
    return new RestFixture(gds);
  }

  get httpsUrl(): string {
    return this.gds.gds!.http.httpsUrl;
  }

  get caPem(): string {
    return new X509Certificate(this.gds.gds!.authority.certificate()).toString();
  }

  api(path: string): string {
    return `${this.httpsUrl}/api/v1${path}`;
  }

  call(method: string, path: string, body?: unknown, token?: string): Promise<HttpsAnswer> {
    return jsonCall(this.api(path), this.caPem, method, body, token);
  }

  async token(userName = "admin", password = adminPassword): Promise<string> {
    const answer = await this.call("POST", "/tokens", { userName, password });
    expect(answer.status, answer.text).toBe(201);
    return answer.json<{ token: string }>().token;
  }

  /** A user with some roles, put straight into the store as an administrator's tool would. */
  async user(userName: string, roles: UserRole[]): Promise<string> {
    const password = `${userName} password 123`;
    await this.gds.gds!.store.users.put({
      userName, passwordHash: await hashPassword(password), roles,
      createdAt: new Date().toISOString(),
    });
    return this.token(userName, password);
  }

  async register(applicationUri: string, token: string, host = "plant-host"): Promise<string> {
    const input = serverInput(applicationUri, host);
    const answer = await this.call("POST", "/applications", input, token);
    expect(answer.status, answer.text).toBe(201);
    return answer.json<{ applicationId: string }>().applicationId;
  }

  async dispose(): Promise<void> {
    await this.gds.dispose();
  }
}

/** A server's record as the REST API takes it: serverRecord without its capabilities. */
export function serverInput(applicationUri: string, host = "plant-host") {
  const { serverCapabilities: _capabilities, ...input } = serverRecord(applicationUri, host);
  return input;
}

/** An error answer of the API: the status, and a code from the catalogue. */
export function expectError(answer: HttpsAnswer, status: number, code: string): void {
  expect(answer.status, answer.text).toBe(status);
  const body = answer.json<{ code: string; message: string }>();
  expect(body.code).toBe(code);
  expect(errorCodes).toContain(body.code);
  expect(typeof body.message).toBe("string");
}
