import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PushTargetStatus } from "../../src/push/push-service.js";
import type { PushAttempt } from "../../src/core/push-records.js";
import { opensslOk, ScratchDirectory } from "../ca/openssl.js";
import { crlPem, pem } from "../support/enrolment.js";
import { adminPassword } from "../support/gds-fixture.js";
import {
  startPushTarget,
  type PushTarget,
  type PushTargetOptions,
} from "../support/push-target/push-target.js";
import { TargetClient } from "../support/push-target/target-client.js";
import { TestPki } from "../support/push-target/test-pki.js";
import { httpsCall } from "./https-client.js";
import { expectError, RestFixture } from "./rest-fixture.js";

const targetAdmin = { userName: "secadmin", password: "rest target secret 77",
  roles: ["SecurityAdmin"] };

interface PushResult { applicationIds: string[]; startedAt: string; attempts?: PushAttempt[] }

describe("push targets over REST", () => {
  let fixture: RestFixture;
  let admin: string;
  let operator: string;
  let discovery: string;
  let scratchDir: string;
  const scratch = new ScratchDirectory();
  const targets: PushTarget[] = [];

  beforeAll(async () => {
    fixture = await RestFixture.start(undefined, {
      adminPassword,
      push: { intervalMs: 0, confirmAttempts: 20, confirmDelayMs: 100,
        backoff: { baseMs: 60_000, maxMs: 3_600_000 } },
    });
    admin = await fixture.token();
    operator = await fixture.user("watcher", ["Operator"]);
    discovery = await fixture.user("registrar", ["DiscoveryAdmin"]);
    scratchDir = await mkdtemp(join(tmpdir(), "sh-rest-push-"));
  });

  afterAll(async () => {
    for (const target of targets) await target.stop().catch(() => undefined);
    await fixture?.dispose();
    if (scratchDir) await rm(scratchDir, { recursive: true, force: true });
    scratch.remove();
  });

  /** A running target that trusts our CA, registered under the same ApplicationUri. */
  const onboard = async (applicationUri: string,
    userCertificates?: PushTargetOptions["userCertificates"]) => {
    const authority = fixture.gds.gds!.authority;
    const target = await startPushTarget({
      dir: join(scratchDir, `target-${targets.length}`), applicationUri, users: [targetAdmin],
      trustGds: { certificate: authority.certificate(), crl: authority.crl() }, userCertificates,
    });
    targets.push(target);
    const applicationId = await fixture.register(applicationUri, admin);
    return { target, applicationId };
  };

  const enableBody = (target: PushTarget, extra: Record<string, unknown> = {}) => ({
    endpointUrl: target.endpointUrl, userName: targetAdmin.userName,
    password: targetAdmin.password, ...extra,
  });

  it("enables a target, pushes a certificate it then serves, and reports success", async () => {
    const uri = "urn:plant:rest-push:press";
    const { target, applicationId } = await onboard(uri);
    const before = await target.servedCertificate();

    const enabled = await fixture.call("PUT", `/push-targets/${applicationId}`,
      enableBody(target), admin);
    expect(enabled.status, enabled.text).toBe(200);
    expect(enabled.json<PushTargetStatus>()).toMatchObject({ applicationId,
      applicationUri: uri, endpointUrl: target.endpointUrl, userName: targetAdmin.userName,
      lastOutcome: "None", failures: 0 });

    const pushed = await fixture.call("POST", `/push-targets/${applicationId}/push`,
      { kind: "certificate" }, admin);
    expect(pushed.status, pushed.text).toBe(200);
    const attempt = pushed.json<PushResult>().attempts![0]!;
    expect(attempt.outcome, attempt.message).toBe("Succeeded");

    const served = await target.servedCertificate();
    expect(served.equals(before)).toBe(false);
    const certificate = new X509Certificate(served);
    expect(certificate.serialNumber.toLowerCase()).toBe(attempt.serialNumber);
    const authority = fixture.gds.gds!.authority;
    expect(opensslOk(["verify", "-crl_check",
      "-CAfile", scratch.write("ca.pem", pem(authority.certificate())),
      "-CRLfile", scratch.write("ca.crl.pem", crlPem(authority.crl())),
      scratch.write("served.pem", pem(served))])).toContain("OK");

    const status = await fixture.call("GET", `/push-targets/${applicationId}`, undefined,
      operator);
    expect(status.status, status.text).toBe(200);
    expect(status.json<PushTargetStatus>()).toMatchObject({ lastOutcome: "Succeeded",
      failures: 0, serialNumber: attempt.serialNumber,
      crlNumber: authority.crlNumber().toString() });
    expect(status.json<PushTargetStatus>().attempts[0]!.steps.map((step) => step.name))
      .toContain("ConfirmCertificate");

    const all = await fixture.call("GET", "/push-targets", undefined, operator);
    expect(all.status, all.text).toBe(200);
    expect(all.json<PushTargetStatus[]>().map((one) => one.applicationId))
      .toContain(applicationId);
  });

  it("installs extra trusted certificates, pushes every target, and disables", async () => {
    const { target, applicationId } = await onboard("urn:plant:rest-push:mixer");
    const peer = await targets[0]!.servedCertificate();
    const enabled = await fixture.call("PUT", `/push-targets/${applicationId}`,
      enableBody(target, { trustedCertificates: [peer.toString("base64")] }), admin);
    expect(enabled.status, enabled.text).toBe(200);

    const started = await fixture.call("POST", "/push-targets/push", { kind: "trustList" },
      admin);
    expect(started.status, started.text).toBe(202);
    expect(started.json<PushResult>().applicationIds).toContain(applicationId);
    // The batch answers at once; the trust list is pushed the moment an attempt is recorded.
    await expect.poll(async () => (await fixture.call("GET", `/push-targets/${applicationId}`,
      undefined, admin)).json<PushTargetStatus>().lastOutcome, { timeout: 30_000 })
      .toBe("Succeeded");
    const trusted = (await target.trustList()).trustedCertificates;
    expect(trusted.some((der) => der.equals(peer))).toBe(true);

    const removed = await fixture.call("DELETE", `/push-targets/${applicationId}`, undefined,
      admin);
    expect(removed.status, removed.text).toBe(204);
    expectError(await fixture.call("GET", `/push-targets/${applicationId}`, undefined, admin),
      404, "NotFound");
    expectError(await fixture.call("DELETE", `/push-targets/${applicationId}`, undefined,
      admin), 404, "NotFound");
  });

  it("reads the rejected list from the target itself", async () => {
    const { target, applicationId } = await onboard("urn:plant:rest-push:rejects");
    expect((await fixture.call("PUT", `/push-targets/${applicationId}`, enableBody(target),
      admin)).status).toBe(200);
    // A client from a CA the target does not know is refused and lands in its rejected list.
    const stranger = await TestPki.create("CN=Stranger CA");
    const dir = join(scratchDir, "stranger");
    await mkdir(dir, { recursive: true });
    const credentials = await stranger.clientCredentials(dir, "urn:plant:stranger");
    await expect(TargetClient.connect({ endpointUrl: target.endpointUrl,
      pkiDir: join(dir, "pki"), ...credentials, user: targetAdmin,
      authority: { certificate: stranger.certificate, crl: await stranger.crl() } }))
      .rejects.toThrow();

    const rejected = await fixture.call("GET", `/push-targets/${applicationId}/rejected`,
      undefined, admin);
    expect(rejected.status, rejected.text).toBe(200);
    const listed = rejected.json<Array<{ der: string; subject: string; thumbprint: string }>>();
    const entry = listed.find((one) => one.der === credentials.certificate.toString("base64"));
    expect(entry?.subject).toContain("Push Test Client");
    expect(entry?.thumbprint).toMatch(/^[0-9a-f]{40}$/);
    expect(listed.length).toBe((await target.rejectedCertificates()).length);
  });

  it("lets Operator read status only and refuses DiscoveryAdmin everything", async () => {
    const { target, applicationId } = await onboard("urn:plant:rest-push:roles");
    const path = `/push-targets/${applicationId}`;
    for (const token of [operator, discovery]) {
      expectError(await fixture.call("PUT", path, enableBody(target), token),
        403, "UserAccessDenied");
    }
    expect((await fixture.call("PUT", path, enableBody(target), admin)).status).toBe(200);
    expect((await fixture.call("GET", path, undefined, operator)).status).toBe(200);
    expect((await fixture.call("GET", "/push-targets", undefined, operator)).status).toBe(200);
    const writes: Array<[string, string, unknown]> = [
      ["DELETE", path, undefined], ["POST", `${path}/push`, { kind: "trustList" }],
      ["POST", "/push-targets/push", {}], ["GET", `${path}/rejected`, undefined],
    ];
    for (const [method, route, body] of writes) {
      expectError(await fixture.call(method, route, body, operator), 403, "UserAccessDenied");
    }
    for (const [method, route, body] of [...writes, ["GET", path, undefined],
      ["GET", "/push-targets", undefined]] as Array<[string, string, unknown]>) {
      expectError(await fixture.call(method, route, body, discovery), 403, "UserAccessDenied");
    }
    expectError(await fixture.call("GET", "/push-targets"), 401, "UserAccessDenied");
    // Nothing changed: the target is still enabled and was never pushed to.
    const status = await fixture.call("GET", path, undefined, admin);
    expect(status.json<PushTargetStatus>().lastOutcome).toBe("None");
  });

  it("refuses malformed bodies before the engine sees them", async () => {
    const { target, applicationId } = await onboard("urn:plant:rest-push:malformed");
    const url = fixture.api(`/push-targets/${applicationId}`);
    const raw = (body: string | Buffer, contentType?: string, method = "PUT") =>
      httpsCall(url, { method, ca: fixture.caPem, body, headers: {
        authorization: `Bearer ${admin}`, ...(contentType ? { "content-type": contentType } : {}),
      } });
    const valid = JSON.stringify(enableBody(target));
    expectError(await raw(valid.slice(0, 30), "application/json"), 400, "InvalidArgument");
    expectError(await raw(valid, "text/plain"), 415, "InvalidArgument");
    expectError(await raw(valid), 415, "InvalidArgument");
    expectError(await raw(JSON.stringify(enableBody(target,
      { password: "x".repeat(200_000) })), "application/json"), 413, "InvalidArgument");
    for (const body of [
      { ...enableBody(target), roles: ["SecurityAdmin"] },
      { endpointUrl: target.endpointUrl, userName: "secadmin" },
      { ...enableBody(target), password: 42 },
      { ...enableBody(target), trustedCertificates: ["not base64!"] },
      { ...enableBody(target), trustedCertificates: "AAAA" },
    ]) {
      expectError(await raw(JSON.stringify(body), "application/json"), 400, "InvalidArgument");
    }
    // Well-formed but wrong: the engine's own checks, through the same error table.
    expectError(await raw(JSON.stringify(enableBody(target,
      { endpointUrl: "http://127.0.0.1:1/" })), "application/json"), 400, "InvalidArgument");
    expectError(await raw(JSON.stringify(enableBody(target,
      { trustedCertificates: ["AAAAAAAA"] })), "application/json"), 400, "CertificateInvalid");
    const push = fixture.api(`/push-targets/${applicationId}/push`);
    const kind = await httpsCall(push, { method: "POST", ca: fixture.caPem,
      body: JSON.stringify({ kind: "everything" }), headers: {
        authorization: `Bearer ${admin}`, "content-type": "application/json" } });
    expectError(kind, 400, "InvalidArgument");
    expectError(await fixture.call("PUT", "/push-targets/00000000-0000-4000-8000-000000000009",
      enableBody(target), admin), 404, "NotFound");
    expectError(await fixture.call("PUT", "/push-targets/..%2f..", enableBody(target), admin),
      400, "InvalidArgument");
  });

  it("keeps the target password out of answers, logs and the audit trail", async () => {
    const { target, applicationId } = await onboard("urn:plant:rest-push:secret");
    const answers = [
      await fixture.call("PUT", `/push-targets/${applicationId}`, enableBody(target), admin),
      await fixture.call("POST", `/push-targets/${applicationId}/push`, {}, admin),
      await fixture.call("GET", `/push-targets/${applicationId}`, undefined, admin),
      await fixture.call("GET", "/push-targets", undefined, admin),
      // A refused body must not echo the password in its message either.
      await fixture.call("PUT", `/push-targets/${applicationId}`,
        { ...enableBody(target), extra: targetAdmin.password }, admin),
      await fixture.call("PUT", `/push-targets/${applicationId}`,
        enableBody(target, { endpointUrl: "http://127.0.0.1:1/" }), admin),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 400, 400]);
    for (const answer of answers) expect(answer.text).not.toContain(targetAdmin.password);
    expect(answers[1]!.json<PushResult>().attempts![0]!.outcome).toBe("Succeeded");

    const output = fixture.gds.output();
    expect(output).toContain("push target enabled");
    expect(output).not.toContain(targetAdmin.password);
    const audit = await readFile(join(fixture.gds.dataDir, "audit", "audit.log"), "utf8");
    expect(audit).toContain("push.target.added");
    expect(audit).not.toContain(targetAdmin.password);
  });

  it("enables a target with an X.509 user certificate and keeps its key out of sight",
    async () => {
      const userPki = await TestPki.create("CN=REST User CA, O=Security Handler Tests");
      const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const certificate = await userPki.issue({
        subject: `CN=${targetAdmin.userName}`, applicationUri: "urn:plant:user:rest",
        publicKeyInfo: publicKey.export({ format: "der", type: "spki" }),
      });
      const keyPem = privateKey.export({ format: "pem", type: "pkcs8" }) as string;
      const keyLines = keyPem.split("\n").filter((line) => line.length === 64);
      const { target, applicationId } = await onboard("urn:plant:rest-push:x509", {
        trusted: [certificate],
        issuers: [{ certificate: userPki.certificate, crl: await userPki.crl() }],
      });
      const body = { endpointUrl: target.endpointUrl,
        userCertificate: certificate.toString("base64"), userPrivateKey: keyPem };
      const path = `/push-targets/${applicationId}`;
      // One credential, whole: both kinds at once, or a certificate without its key, is refused.
      expectError(await fixture.call("PUT", path, { ...enableBody(target), ...body }, admin),
        400, "InvalidArgument");
      expectError(await fixture.call("PUT", path,
        { endpointUrl: target.endpointUrl, userCertificate: body.userCertificate }, admin),
      400, "InvalidArgument");
      const answers = [
        await fixture.call("PUT", path, body, admin),
        await fixture.call("POST", `${path}/push`, { kind: "trustList" }, admin),
        await fixture.call("GET", path, undefined, admin),
      ];
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
      expect(answers[0]!.json<PushTargetStatus>()).toMatchObject({ credentialKind: "x509" });
      expect(answers[1]!.json<PushResult>().attempts![0]!.outcome).toBe("Succeeded");
      const audit = await readFile(join(fixture.gds.dataDir, "audit", "audit.log"), "utf8");
      expect(keyLines.length).toBeGreaterThan(10);
      for (const line of keyLines) {
        for (const answer of answers) expect(answer.text).not.toContain(line);
        expect(fixture.gds.output()).not.toContain(line);
        expect(audit).not.toContain(line);
      }
    });

  it("documents every push route in the OpenAPI document", async () => {
    const answer = await fixture.call("GET", "/openapi.json");
    const paths = answer.json<{ paths: Record<string, Record<string, {
      requestBody?: { content: { "application/json": {
        schema: { required?: string[]; oneOf?: Array<{ required: string[] }> } } } };
    }>> }>().paths;
    const methods = (path: string) => Object.keys(paths[path] ?? {}).sort();
    expect(methods("/push-targets")).toEqual(["get"]);
    expect(methods("/push-targets/push")).toEqual(["post"]);
    expect(methods("/push-targets/{applicationId}")).toEqual(["delete", "get", "put"]);
    expect(methods("/push-targets/{applicationId}/push")).toEqual(["post"]);
    expect(methods("/push-targets/{applicationId}/rejected")).toEqual(["get"]);
    const body = paths["/push-targets/{applicationId}"]!.put!.requestBody!
      .content["application/json"].schema;
    expect(body.required).toEqual(["endpointUrl"]);
    expect(body.oneOf?.map((credential) => credential.required)).toEqual(
      [["userName", "password"], ["userCertificate", "userPrivateKey"]]);
  });
});
