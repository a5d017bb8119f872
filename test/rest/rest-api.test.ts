import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes } from "../../src/core/errors.js";
import { opensslOk, ScratchDirectory } from "../ca/openssl.js";
import { adminPassword } from "../support/gds-fixture.js";
import { httpsCall } from "./https-client.js";
import { expectError, RestFixture, serverInput } from "./rest-fixture.js";

let fixture: RestFixture;
let scratch: ScratchDirectory;
let admin: string;

beforeAll(async () => {
  fixture = await RestFixture.start();
  scratch = new ScratchDirectory();
  admin = await fixture.token();
});

afterAll(async () => {
  await fixture?.dispose();
  scratch?.remove();
});

function opensslAsync(args: string[]): Promise<void> {
  const env = { ...process.env };
  if (env.OPENSSL_CONF === "undefined") delete env.OPENSSL_CONF;
  return new Promise((resolve, reject) =>
    execFile("openssl", args, { env }, (error) => (error ? reject(error) : resolve())));
}

/** Enrols an application over EST; returns its certificate and key as PEM. */
async function enrolled(applicationId: string, applicationUri: string, name: string) {
  const credential = (await fixture.call("POST",
    `/applications/${applicationId}/est-credentials`, {}, admin))
    .json<{ credentialId: string; password: string }>();
  await opensslAsync(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout",
    scratch.file(`${name}.key`), "-subj", `/CN=${name}`, "-addext",
    `subjectAltName=URI:${applicationUri}`, "-outform", "DER",
    "-out", scratch.file(`${name}.der`)]);
  const answer = await httpsCall(`${fixture.httpsUrl}/.well-known/est/simpleenroll`, {
    method: "POST", ca: fixture.caPem, body: scratch.read(`${name}.der`).toString("base64"),
    headers: { "content-type": "application/pkcs10", authorization: `Basic ${Buffer.from(
      `${credential.credentialId}:${credential.password}`).toString("base64")}` },
  });
  expect(answer.status, answer.text).toBe(200);
  const p7 = scratch.write(`${name}.p7`, Buffer.from(answer.text, "base64"));
  const cert = opensslOk(["pkcs7", "-inform", "DER", "-in", p7, "-print_certs"]);
  return { cert, key: scratch.read(`${name}.key`).toString("utf8"),
    serialNumber: new X509Certificate(cert).serialNumber.toLowerCase() };
}

describe("REST authentication", () => {
  it("a wrong password gets 401 with a Bearer challenge and no token", async () => {
    const answer = await fixture.call("POST", "/tokens", { userName: "admin", password: "nope" });
    expectError(answer, 401, "UserAccessDenied");
    expect(answer.headers["www-authenticate"]).toMatch(/^Bearer/);
    expect(answer.text).not.toContain("token\"");
  });

  it("requests without credentials or with an unknown token get 401", async () => {
    expectError(await fixture.call("GET", "/applications"), 401, "UserAccessDenied");
    expectError(await fixture.call("GET", "/applications", undefined, "A".repeat(43)), 401,
      "UserAccessDenied");
    expectError(await httpsCall(fixture.api("/applications"), { ca: fixture.caPem,
      headers: { authorization: "Basic YWRtaW46eA==" } }), 401, "UserAccessDenied");
  });
});

describe("REST secrets", () => {
  it("passwords, bearer tokens and EST credential passwords never reach the log", async () => {
    const applicationId = await fixture.register("urn:test:rest:secrets", admin);
    const created = await fixture.call("POST", `/applications/${applicationId}/est-credentials`,
      {}, admin);
    expect(created.headers["cache-control"]).toBe("no-store");
    const { password } = created.json<{ password: string }>();
    await fixture.call("POST", "/tokens", { userName: "admin", password: "wrong secret 42" });
    const output = fixture.gds.output();
    expect(output).toContain("bearer token issued");
    for (const secret of [adminPassword, admin, password, "wrong secret 42"]) {
      expect(output).not.toContain(secret);
    }
  });
});

describe("REST applications", () => {
  it("registers, reads, queries, updates and unregisters as the OPC UA methods do", async () => {
    const uri = "urn:test:rest:crud";
    const applicationId = await fixture.register(uri, admin);

    const got = await fixture.call("GET", `/applications/${applicationId}`, undefined, admin);
    expect(got.status).toBe(200);
    expect(got.json()).toMatchObject({ applicationId, applicationUri: uri, applicationType: 0 });

    const query = await fixture.call("GET",
      `/applications?applicationUri=${encodeURIComponent("urn:test:rest:%")}`, undefined, admin);
    expect(query.json<{ applications: Array<{ applicationId: string }> }>().applications
      .map((record) => record.applicationId)).toContain(applicationId);

    const renamed = { ...serverInput(uri), applicationNames: [{ locale: "en", text: "Renamed" }] };
    expect((await fixture.call("PUT", `/applications/${applicationId}`, renamed, admin)).status)
      .toBe(204);
    expectError(await fixture.call("PUT", `/applications/${applicationId}`,
      serverInput("urn:test:rest:other"), admin), 409, "WriteNotSupported");
    expectError(await fixture.call("POST", "/applications", serverInput(uri), admin), 409,
      "EntryExists");
    expectError(await fixture.call("POST", "/applications",
      { ...serverInput("not a uri") }, admin), 400, "InvalidArgument");

    expect((await fixture.call("DELETE", `/applications/${applicationId}`, undefined, admin))
      .status).toBe(204);
    expectError(await fixture.call("GET", `/applications/${applicationId}`, undefined, admin),
      404, "NotFound");
  });
});

describe("REST roles are the OPC UA roles", () => {
  it("an Operator reads requests but may not register, approve or revoke", async () => {
    const operator = await fixture.user("operator", ["Operator"]);
    expect((await fixture.call("GET", "/requests", undefined, operator)).status).toBe(200);
    expectError(await fixture.call("POST", "/applications", serverInput("urn:test:rest:op"),
      operator), 403, "UserAccessDenied");
    expectError(await fixture.call("POST", "/requests/00000000-0000-0000-0000-000000000000/approve",
      undefined, operator), 403, "UserAccessDenied");
    expectError(await fixture.call("POST", "/certificates/01/revoke", { reason: "superseded" },
      operator), 403, "UserAccessDenied");
  });

  it("a DiscoveryAdmin registers but may not list requests or make EST credentials", async () => {
    const discovery = await fixture.user("discovery", ["DiscoveryAdmin"]);
    const applicationId = await fixture.register("urn:test:rest:discovery", discovery);
    expectError(await fixture.call("GET", "/requests", undefined, discovery), 403,
      "UserAccessDenied");
    expectError(await fixture.call("POST", `/applications/${applicationId}/est-credentials`,
      {}, discovery), 403, "UserAccessDenied");
  });

  it("an application's own certificate reads its certificates and no one else's", async () => {
    const uri = "urn:test:rest:self";
    const applicationId = await fixture.register(uri, admin);
    const other = await fixture.register("urn:test:rest:neighbour", admin);
    const own = await enrolled(applicationId, uri, "self");

    const tls = { ca: fixture.caPem, cert: own.cert, key: own.key };
    const mine = await httpsCall(fixture.api(`/certificates?applicationId=${applicationId}`), tls);
    expect(mine.status, mine.text).toBe(200);
    const listed = mine.json<Array<{ serialNumber: string }>>()[0]!.serialNumber;
    expect(listed.replace(/^0+/, "")).toBe(own.serialNumber.replace(/^0+/, ""));
    expectError(await httpsCall(fixture.api(`/certificates?applicationId=${other}`), tls), 403,
      "UserAccessDenied");
    expectError(await httpsCall(fixture.api("/requests"), tls), 403, "UserAccessDenied");
  });
});

describe("REST certificates", () => {
  it("fetches DER and PEM, revokes with a reason, and the CRL lists it", async () => {
    const uri = "urn:test:rest:certs";
    const applicationId = await fixture.register(uri, admin);
    const { serialNumber } = await enrolled(applicationId, uri, "certs");
    const list = (await fixture.call("GET", `/certificates?applicationId=${applicationId}`,
      undefined, admin)).json<Array<{ serialNumber: string }>>();
    const stored = list[0]!.serialNumber;

    const der = await httpsCall(fixture.api(`/certificates/${stored}/der`),
      { ca: fixture.caPem, headers: { authorization: `Bearer ${admin}` } });
    expect(der.headers["content-type"]).toBe("application/pkix-cert");
    const text = opensslOk(["x509", "-inform", "DER", "-noout", "-serial",
      "-in", scratch.write("certs.cer", der.body)]);
    expect(text.toLowerCase()).toContain(serialNumber.replace(/^0+/, ""));
    const pem = await httpsCall(fixture.api(`/certificates/${stored}/pem`),
      { ca: fixture.caPem, headers: { authorization: `Bearer ${admin}` } });
    expect(new X509Certificate(pem.text).raw.equals(der.body)).toBe(true);

    expectError(await fixture.call("POST", `/certificates/${stored}/revoke`,
      { reason: "notAReason" }, admin), 400, "InvalidArgument");
    expect((await fixture.call("POST", `/certificates/${stored}/revoke`,
      { reason: "keyCompromise" }, admin)).status).toBe(204);
    const record = await fixture.call("GET", `/certificates/${stored}`, undefined, admin);
    expect(record.json()).toMatchObject({ revocationReason: "keyCompromise" });
    expect(record.json()).not.toHaveProperty("der");

    const crl = await httpsCall(fixture.api("/crl"),
      { ca: fixture.caPem, headers: { authorization: `Bearer ${admin}` } });
    const crlText = opensslOk(["crl", "-inform", "DER", "-noout", "-text",
      "-in", scratch.write("rest.crl", crl.body)]);
    expect(crlText.toLowerCase()).toContain(stored.toLowerCase().replace(/^0+/, ""));
    expect(crlText).toContain("Key Compromise");
    expectError(await fixture.call("GET", "/certificates/abcdef", undefined, admin), 404,
      "NotFound");
  });
});

describe("OpenAPI", () => {
  it("serves an OpenAPI 3 document whose error codes are the catalogue", async () => {
    const answer = await httpsCall(fixture.api("/openapi.json"), { ca: fixture.caPem });
    expect(answer.status).toBe(200);
    const document = answer.json<{ openapi: string; paths: Record<string, object>;
      components: { schemas: { Error: { properties: { code: { enum: string[] } } } } } }>();
    expect(document.openapi).toMatch(/^3\./);
    expect(document.components.schemas.Error.properties.code.enum).toEqual([...errorCodes]);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining([
      "/tokens", "/applications", "/applications/{applicationId}", "/requests",
      "/requests/{requestId}/approve", "/certificates/{serialNumber}/revoke", "/crl"]));
  });
});
