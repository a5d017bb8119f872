import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes } from "../../src/core/errors.js";
import { httpsCall, type HttpsAnswer } from "./https-client.js";
import { RestFixture, serverInput } from "./rest-fixture.js";

let fixture: RestFixture;
let admin: string;
let credential: { credentialId: string; password: string };

beforeAll(async () => {
  fixture = await RestFixture.start();
  admin = await fixture.token();
  const applicationId = await fixture.register("urn:test:malformed:app", admin);
  credential = (await fixture.call("POST", `/applications/${applicationId}/est-credentials`, {},
    admin)).json();
});

afterAll(async () => {
  await fixture?.dispose();
});

interface Case {
  name: string;
  contentType?: string;
  body: string | Buffer;
  status: number;
}

const valid = JSON.stringify(serverInput("urn:test:malformed:new"));
const restCases: Case[] = [
  { name: "truncated JSON", contentType: "application/json", body: valid.slice(0, 40),
    status: 400 },
  { name: "not JSON at all", contentType: "application/json", body: "hello", status: 400 },
  { name: "empty JSON body", contentType: "application/json", body: "", status: 400 },
  { name: "JSON array", contentType: "application/json", body: "[1,2]", status: 400 },
  { name: "text/plain", contentType: "text/plain", body: valid, status: 415 },
  { name: "form encoding", contentType: "application/x-www-form-urlencoded", body: "a=b",
    status: 415 },
  { name: "no content type", body: valid, status: 415 },
  { name: "huge body", contentType: "application/json",
    body: JSON.stringify({ ...serverInput("urn:test:malformed:huge"),
      productUri: `urn:${"x".repeat(200_000)}` }), status: 413 },
  { name: "UTF-16 body", contentType: "application/json",
    body: Buffer.from(valid, "utf16le"), status: 400 },
  { name: "invalid UTF-8", contentType: "application/json",
    body: Buffer.concat([Buffer.from('{"applicationUri":"urn:a'), Buffer.from([0xff, 0xfe]),
      Buffer.from('"}')]), status: 400 },
  { name: "prototype pollution", contentType: "application/json",
    body: `{"__proto__":{"admin":true},${valid.slice(1)}`, status: 400 },
  { name: "unknown property", contentType: "application/json",
    body: JSON.stringify({ ...serverInput("urn:test:malformed:extra"), roles: ["x"] }),
    status: 400 },
  { name: "wrong types", contentType: "application/json",
    body: JSON.stringify({ ...serverInput("urn:test:malformed:types"), applicationType: "0" }),
    status: 400 },
  { name: "ApplicationType out of range", contentType: "application/json",
    body: JSON.stringify({ ...serverInput("urn:test:malformed:range"), applicationType: 7 }),
    status: 400 },
  { name: "deeply nested", contentType: "application/json",
    body: `${"[".repeat(5000)}${"]".repeat(5000)}`, status: 400 },
];

async function send(url: string, testCase: Case, authorization: string): Promise<HttpsAnswer> {
  const headers: Record<string, string> = { authorization };
  if (testCase.contentType) headers["content-type"] = testCase.contentType;
  return httpsCall(url, { method: "POST", ca: fixture.caPem, headers, body: testCase.body });
}

async function storeCounts() {
  const store = fixture.gds.gds!.store;
  return {
    applications: await store.applications.count(),
    requests: (await store.requests.list()).length,
    certificates: await store.certificates.count(),
  };
}

describe("malformed REST payloads", () => {
  it("each gets its status and a catalogue code; the server serves on, the store is intact",
    async () => {
      const before = await storeCounts();
      for (const testCase of restCases) {
        const answer = await send(fixture.api("/applications"), testCase, `Bearer ${admin}`);
        expect(answer.status, `${testCase.name}: ${answer.text}`).toBe(testCase.status);
        expect(answer.headers["content-type"]).toMatch(/^application\/json/);
        const body = answer.json<{ code: string; message: string }>();
        expect(errorCodes, testCase.name).toContain(body.code);
        expect(body.message).not.toMatch(/at .*\.ts:\d+/);
      }
      expect(await storeCounts()).toEqual(before);
      expect((await fixture.call("GET", "/applications", undefined, admin)).status).toBe(200);
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
    });

  it("malformed ids and query strings are refused with InvalidArgument", async () => {
    for (const path of ["/applications/..%2F..%2Fetc", `/applications/${"a".repeat(65)}`,
      "/applications?maxRecordsToReturn=-1", "/applications?applicationTypeMask=9",
      "/requests?state=bogus", "/certificates"]) {
      const answer = await fixture.call("GET", path, undefined, admin);
      expect(answer.status, `${path}: ${answer.text}`).toBe(400);
      expect(answer.json<{ code: string }>().code).toBe("InvalidArgument");
    }
  });
});

const basic = () => `Basic ${Buffer.from(
  `${credential.credentialId}:${credential.password}`).toString("base64")}`;
const estCases: Case[] = [
  { name: "no content type", body: "MIIB", status: 415 },
  { name: "JSON content type", contentType: "application/json", body: "{}", status: 415 },
  { name: "empty body", contentType: "application/pkcs10", body: "", status: 400 },
  { name: "not base64", contentType: "application/pkcs10", body: "%%%%not base64%%%%",
    status: 400 },
  { name: "base64 of garbage", contentType: "application/pkcs10",
    body: Buffer.from("this is not DER at all").toString("base64"), status: 400 },
  { name: "truncated DER", contentType: "application/pkcs10", body: "MIICijCCAXICAQAwRTEL",
    status: 400 },
  { name: "raw DER instead of base64", contentType: "application/pkcs10",
    body: Buffer.from([0x30, 0x82, 0x01, 0x00, 0xff, 0x00]), status: 400 },
  { name: "huge body", contentType: "application/pkcs10", body: "A".repeat(200_000),
    status: 413 },
];

describe("malformed EST bodies", () => {
  it("each gets its status; the credential survives, the store is intact", async () => {
    const before = await storeCounts();
    for (const testCase of estCases) {
      const answer = await send(`${fixture.httpsUrl}/.well-known/est/simpleenroll`, testCase,
        basic());
      expect(answer.status, `${testCase.name}: ${answer.text}`).toBe(testCase.status);
    }
    const reenroll = await send(`${fixture.httpsUrl}/.well-known/est/simplereenroll`,
      { name: "no client certificate", contentType: "application/pkcs10", body: "MIIB",
        status: 403 }, "");
    expect(reenroll.status).toBe(403);
    expect(reenroll.text).toContain("TLS client certificate");
    expect(await storeCounts()).toEqual(before);
    const cacerts = await httpsCall(`${fixture.httpsUrl}/.well-known/est/cacerts`,
      { ca: fixture.caPem });
    expect(cacerts.status).toBe(200);
  });
});
