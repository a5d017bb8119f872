import { X509Certificate } from "node:crypto";
import { DataType, NodeId, StatusCodes, Variant, VariantArrayType } from "node-opcua";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GdsClient } from "../../src/client/gds-client.js";
import { thumbprintOf } from "../../src/identity/user-certificates.js";
import { opensslOk, ScratchDirectory } from "../ca/openssl.js";
import { runCli } from "../support/cli.js";
import { adminPassword, GdsFixture } from "../support/gds-fixture.js";
import { connectClient, expectStatus } from "../support/enrolment.js";

const text = (value: string) => new Variant({ dataType: DataType.String, value });
const nodeId = (value: NodeId) => new Variant({ dataType: DataType.NodeId, value });
const strings = (value: string[]) =>
  new Variant({ dataType: DataType.String, arrayType: VariantArrayType.Array, value });
const password = "certificate users 12345";

interface UserCertificate {
  certificate: Buffer;
  privateKeyPem: string;
}

describe("X.509 user tokens: certificates bound to users", () => {
  let fixture: GdsFixture;
  let admin: GdsClient;
  const scratch = new ScratchDirectory();
  const open: GdsClient[] = [];

  const adminCall = (method: string, args: Variant[]) =>
    admin.callProductMethod(["SecurityHandler", method], args);
  const bind = (userName: string, thumbprint: string, applicationId = NodeId.nullNodeId) =>
    adminCall("AddUserCertificate", [text(userName), text(thumbprint), nodeId(applicationId)]);
  const signIn = async (userCertificate: UserCertificate) => {
    const client = await connectClient(fixture, { userCertificate });
    open.push(client);
    return client;
  };
  /** BadNotFound means the session may revoke (CertificateAuthorityAdmin); else it may not. */
  const revokeUnknown = async (client: GdsClient) => (await client.callProductMethod(
    ["SecurityHandler", "RevokeCertificateBySerial"], [text("0abc"), text("superseded")]))
    .statusCode;
  const listUsers = async (client: GdsClient) =>
    (await client.callProductMethod(["SecurityHandler", "ListUsers"], [])).statusCode;

  const selfSigned = (name: string): UserCertificate => {
    opensslOk(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
      "-subj", `/CN=${name}`, "-keyout", scratch.file(`${name}.key`),
      "-out", scratch.file(`${name}.pem`), "-addext", "keyUsage=digitalSignature"]);
    return {
      certificate: new X509Certificate(scratch.read(`${name}.pem`)).raw,
      privateKeyPem: scratch.read(`${name}.key`).toString("utf8"),
    };
  };

  /** A user-token certificate and key from this GDS, for a registered client application. */
  const issuedUserToken = async (uri: string) => {
    const registered = await admin.registerApplication({
      applicationUri: uri, applicationType: 1, productUri: "urn:example:operator-tool",
      applicationNames: [{ locale: "en", text: uri }], discoveryUrls: [], serverCapabilities: [],
    });
    expectStatus(registered.statusCode, StatusCodes.Good);
    const applicationId = registered.outputs[0] as NodeId;
    const started = await admin.call(154, [nodeId(applicationId), nodeId(admin.nodeId(683)),
      nodeId(NodeId.nullNodeId), text("CN=Bob"), strings([]), text("PEM"), text("")]);
    expectStatus(started.statusCode, StatusCodes.Good);
    const finished = await admin.finishRequest(applicationId, started.outputs[0] as NodeId);
    expectStatus(finished.statusCode, StatusCodes.Good);
    return {
      applicationId,
      userCertificate: {
        certificate: finished.outputs[0] as Buffer,
        privateKeyPem: (finished.outputs[1] as Buffer).toString("utf8"),
      },
    };
  };

  beforeAll(async () => {
    fixture = await GdsFixture.create();
    await fixture.start();
    admin = await connectClient(fixture);
    for (const [userName, role] of [["alice", "Operator"], ["bob", "CertificateAuthorityAdmin"]]) {
      expectStatus((await adminCall("AddUser", [text(userName!), text(password),
        strings([role!])])).statusCode, StatusCodes.Good);
    }
  });

  afterAll(async () => {
    for (const client of open) await client.close();
    await admin?.close();
    await fixture?.dispose();
    scratch.remove();
  });

  it("a certificate bound by thumbprint signs in with exactly its user's roles", async () => {
    const alice = selfSigned("alice");
    expectStatus((await bind("alice", thumbprintOf(alice.certificate))).statusCode,
      StatusCodes.Good);

    const session = await signIn(alice);
    expectStatus(await listUsers(session), StatusCodes.Good); // Operator may list users
    expectStatus(await revokeUnknown(session), StatusCodes.BadUserAccessDenied);
    const addUser = await session.callProductMethod(["SecurityHandler", "AddUser"],
      [text("mallory"), text(password), strings(["SecurityAdmin"])]);
    expectStatus(addUser.statusCode, StatusCodes.BadUserAccessDenied);

    const listed = await adminCall("ListUsers", []);
    const users = JSON.parse(String(listed.outputs[0])) as Array<Record<string, unknown>>;
    expect(users.find((user) => user.userName === "alice")?.certificateThumbprints)
      .toEqual([thumbprintOf(alice.certificate)]);
    expect(JSON.stringify(users)).not.toContain("passwordHash");
  });

  it("refuses a certificate bound to nobody with BadIdentityTokenRejected", async () => {
    await expect(signIn(selfSigned("stranger"))).rejects.toThrow(/BadIdentityTokenRejected/);
  });

  it("an ApplicationId binding admits its user-token certificates until revoked", async () => {
    const { applicationId, userCertificate } = await issuedUserToken("urn:plant:users:bob");
    expectStatus((await bind("bob", "", applicationId)).statusCode, StatusCodes.Good);

    const session = await signIn(userCertificate);
    expectStatus(await revokeUnknown(session), StatusCodes.BadNotFound); // CA admin rights
    expectStatus(await listUsers(session), StatusCodes.BadUserAccessDenied);

    const serial = new X509Certificate(userCertificate.certificate).serialNumber;
    const revoked = await adminCall("RevokeCertificateBySerial",
      [text(serial), text("keyCompromise")]);
    expectStatus(revoked.statusCode, StatusCodes.Good);
    // The open session loses its rights at once; a new one is refused.
    expectStatus(await revokeUnknown(session), StatusCodes.BadUserAccessDenied);
    await expect(signIn(userCertificate)).rejects.toThrow(/BadIdentityTokenRejected/);
  });

  it("refuses a user-token certificate of an application bound to nobody", async () => {
    const { userCertificate } = await issuedUserToken("urn:plant:users:nobody");
    await expect(signIn(userCertificate)).rejects.toThrow(/BadIdentityTokenRejected/);
  });

  it("removing the binding ends sign-in; bindings are checked and unique", async () => {
    const carol = selfSigned("carol");
    const thumbprint = thumbprintOf(carol.certificate);
    expectStatus((await bind("alice", thumbprint.toLowerCase())).statusCode, StatusCodes.Good);
    expectStatus((await bind("bob", thumbprint)).statusCode, StatusCodes.BadEntryExists);
    expectStatus((await bind("alice", "12:34")).statusCode, StatusCodes.BadInvalidArgument);
    expectStatus((await bind("nobody", thumbprint)).statusCode, StatusCodes.BadNotFound);
    await (await signIn(carol)).close();

    const removed = await adminCall("RemoveUserCertificate",
      [text("alice"), text(thumbprint), nodeId(NodeId.nullNodeId)]);
    expectStatus(removed.statusCode, StatusCodes.Good);
    await expect(signIn(carol)).rejects.toThrow(/BadIdentityTokenRejected/);
  });

  it("the CLI binds a certificate file and removes the binding", async () => {
    const dave = selfSigned("dave");
    const flags = ["--endpoint", fixture.endpointUrl, "--data-dir", fixture.dataDir];
    const env = { SH_PASSWORD: adminPassword };
    const added = await runCli(["users", "cert", "add", "alice", scratch.file("dave.pem"),
      ...flags], env);
    expect(added.stderr).not.toContain("security-handler:");
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toEqual({ userName: "alice",
      bound: thumbprintOf(dave.certificate) });
    await (await signIn(dave)).close();

    const removed = await runCli(["users", "cert", "remove", "alice", "--thumbprint",
      thumbprintOf(dave.certificate), ...flags], env);
    expect(removed.code).toBe(0);
    await expect(signIn(dave)).rejects.toThrow(/BadIdentityTokenRejected/);
    const again = await runCli(["users", "cert", "remove", "alice", "--thumbprint",
      thumbprintOf(dave.certificate), ...flags], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("BadNotFound");
  }, 180_000); // three CLI processes, each starting node and tsx: slow on a loaded machine
});
