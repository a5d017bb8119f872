import { X509Certificate } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DataType, NodeId, StatusCodes, Variant, VariantArrayType } from "node-opcua";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GdsClient } from "../../src/client/gds-client.js";
import { openssl, opensslOk, opensslRequest, ScratchDirectory } from "../ca/openssl.js";
import { runCli } from "../support/cli.js";
import { adminPassword, GdsFixture } from "../support/gds-fixture.js";
import {
  expectStatus, pem, registerServer, startGdsWithAdmin, stopGdsWithAdmin,
} from "../support/enrolment.js";

const text = (value: string) => new Variant({ dataType: DataType.String, value });

describe("approvals, new key pairs and the audit trail", () => {
  let fixture: GdsFixture;
  let admin: GdsClient;
  const scratch = new ScratchDirectory();
  const cliFlags = () => ["--endpoint", fixture.endpointUrl, "--data-dir", fixture.dataDir];
  const cliEnv = { SH_PASSWORD: adminPassword };

  beforeAll(async () => ({ fixture, admin } = await startGdsWithAdmin({
    certificateGroups: { DefaultApplicationGroup: { approval: "manual" } },
  })));
  afterAll(() => stopGdsWithAdmin(fixture, admin, scratch));

  async function pendingRequest(uri: string) {
    const applicationId = await registerServer(admin, uri);
    const started = await admin.startSigningRequest(applicationId,
      opensslRequest(scratch, { subjectAltName: `URI:${uri}` }));
    expectStatus(started.statusCode, StatusCodes.Good);
    const requestId = started.outputs[0] as NodeId;
    return { applicationId, requestId, guid: String(requestId.value).toLowerCase() };
  }

  it("holds a request until an administrator approves it from the CLI", async () => {
    const { applicationId, requestId, guid } = await pendingRequest("urn:plant:approve");
    expectStatus((await admin.finishRequest(applicationId, requestId)).statusCode,
      StatusCodes.BadNothingToDo);

    const listed = await runCli(["requests", "list", "--state", "pending", ...cliFlags()], cliEnv);
    expect(listed.code).toBe(0);
    const pending = JSON.parse(listed.stdout) as Array<{ requestId: string; state: string }>;
    expect(pending.map((request) => request.requestId)).toContain(guid);
    expect(listed.stdout).not.toContain("csr");

    const approved = await runCli(["requests", "approve", guid, ...cliFlags()], cliEnv);
    expect(approved.stderr).not.toContain("security-handler:");
    expect(approved.code).toBe(0);

    const finished = await admin.finishRequest(applicationId, requestId);
    expectStatus(finished.statusCode, StatusCodes.Good);
    const caPem = scratch.write("ca.pem", pem((finished.outputs[2] as Buffer[])[0]!));
    const certificate = scratch.write("approved.pem", pem(finished.outputs[0] as Buffer));
    expect(opensslOk(["verify", "-x509_strict", "-CAfile", caPem, certificate])).toContain("OK");
    expect(JSON.parse(approved.stdout).serialNumber)
      .toBe(new X509Certificate(finished.outputs[0] as Buffer).serialNumber.toLowerCase());

    const again = await runCli(["requests", "approve", guid, ...cliFlags()], cliEnv);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("BadInvalidState");
  }, 180_000); // three CLI processes, each starting node and tsx: slow on a loaded machine

  it("answers a rejected request with BadRequestNotAllowed", async () => {
    const { applicationId, requestId, guid } = await pendingRequest("urn:plant:reject");
    const rejected = await runCli(["requests", "reject", guid, "--reason", "unknown device",
      ...cliFlags()], cliEnv);
    expect(rejected.code).toBe(0);
    expectStatus((await admin.finishRequest(applicationId, requestId)).statusCode,
      StatusCodes.BadRequestNotAllowed);
  });

  it("generates a key pair, delivers the password-protected key once, then wipes it", async () => {
    const uri = "urn:plant:new-key-pair";
    const applicationId = await registerServer(admin, uri);
    const started = await admin.call(154, [
      new Variant({ dataType: DataType.NodeId, value: applicationId }),
      new Variant({ dataType: DataType.NodeId, value: NodeId.nullNodeId }),
      new Variant({ dataType: DataType.NodeId, value: NodeId.nullNodeId }),
      text("CN=Generated/O=Plant"),
      new Variant({ dataType: DataType.String, arrayType: VariantArrayType.Array,
        value: ["gen.plant.example", "10.9.8.7"] }),
      text("PEM"),
      text("key password 1"),
    ]);
    expectStatus(started.statusCode, StatusCodes.Good);
    const requestId = started.outputs[0] as NodeId;
    const approve = await admin.callProductMethod(["SecurityHandler", "ApproveRequest"],
      [new Variant({ dataType: DataType.NodeId, value: requestId })]);
    expectStatus(approve.statusCode, StatusCodes.Good);

    const first = await admin.finishRequest(applicationId, requestId);
    expectStatus(first.statusCode, StatusCodes.Good);
    const keyPem = (first.outputs[1] as Buffer).toString("utf8");
    expect(keyPem).toContain("ENCRYPTED PRIVATE KEY");
    const keyFile = scratch.write("generated.key", keyPem);
    const certificate = new X509Certificate(first.outputs[0] as Buffer);
    expect(certificate.subject).toContain("CN=Generated");
    expect(certificate.subjectAltName).toContain("DNS:gen.plant.example");
    expect(certificate.subjectAltName).toContain("IP Address:10.9.8.7");
    const publicFromKey = opensslOk(["pkey", "-in", keyFile, "-passin", "pass:key password 1",
      "-pubout"]);
    expect(publicFromKey.trim()).toBe(certificate.publicKey.export({ type: "spki", format: "pem" })
      .toString().trim());
    expect(openssl(["pkey", "-in", keyFile, "-passin", "pass:wrong"]).status).not.toBe(0);

    const second = await admin.finishRequest(applicationId, requestId);
    expectStatus(second.statusCode, StatusCodes.Good);
    expect(second.outputs[1]).toBeNull();
    const stored = await readFile(join(fixture.dataDir, "store", "requests.db"), "utf8");
    expect(stored).not.toContain("PRIVATE KEY");
    expect(stored).not.toContain("key password 1");
  });

  it("refuses a DomainName that is neither a host name nor an IP address", async () => {
    const applicationId = await registerServer(admin, "urn:plant:bad-domain");
    const started = await admin.call(154, [
      new Variant({ dataType: DataType.NodeId, value: applicationId }),
      new Variant({ dataType: DataType.NodeId, value: NodeId.nullNodeId }),
      new Variant({ dataType: DataType.NodeId, value: NodeId.nullNodeId }),
      text("CN=x"),
      new Variant({ dataType: DataType.String, arrayType: VariantArrayType.Array,
        value: ["not a host!"] }),
      text("PFX"),
      text(""),
    ]);
    expectStatus(started.statusCode, StatusCodes.BadInvalidArgument);
  });

  it("keeps a verifiable audit trail that detects a tampered entry", async () => {
    const intact = await runCli(["audit", "verify", "--data-dir", fixture.dataDir]);
    expect(intact.stdout).toContain("intact");
    expect(intact.code).toBe(0);

    const logFile = join(fixture.dataDir, "audit", "audit.log");
    const lines = (await readFile(logFile, "utf8")).trim().split("\n");
    const actions = lines.map((line) => JSON.parse(line).action as string);
    for (const action of ["application.registered", "certificate.requested",
      "certificate.approved", "certificate.issued", "certificate.delivered",
      "certificate.rejected"]) {
      expect(actions).toContain(action);
    }
    const text = lines.join("\n");
    expect(text).not.toContain(adminPassword);
    expect(text).not.toContain("key password 1");

    const index = actions.indexOf("certificate.approved");
    lines[index] = lines[index]!.replace('"actor":"admin"', '"actor":"mallory"');
    await writeFile(logFile, `${lines.join("\n")}\n`);
    const tampered = await runCli(["audit", "verify", "--data-dir", fixture.dataDir]);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain("NOT INTACT");
  });
});
