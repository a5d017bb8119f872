import { randomBytes, X509Certificate } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  DataType,
  MessageSecurityMode,
  NodeId,
  StatusCodes,
  Variant,
  VariantArrayType,
  type StatusCode,
} from "node-opcua";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GdsClient } from "../../src/client/gds-client.js";
import { thumbprintOf } from "../../src/identity/user-certificates.js";
import { opensslOk, opensslRequest, ScratchDirectory } from "../ca/openssl.js";
import { GdsFixture } from "../support/gds-fixture.js";
import {
  connectClient, enrol, expectStatus, registerServer, serverRecord,
} from "../support/enrolment.js";

/**
 * Every method x every identity x {Sign, SignAndEncrypt}, with the exact status code of each
 * cell. A None channel cannot open a session at all (checked separately).
 */
type Identity = "anonymous" | "operator" | "discovery" | "caAdmin" | "raAdmin" | "securityAdmin"
  | "selfThis" | "selfOther" | "x509CaAdmin";
const identities: Identity[] = ["anonymous", "operator", "discovery", "caAdmin", "raAdmin",
  "securityAdmin", "selfThis", "selfOther", "x509CaAdmin"];
const roleOf: Partial<Record<Identity, string>> = {
  operator: "Operator", discovery: "DiscoveryAdmin", caAdmin: "CertificateAuthorityAdmin",
  raAdmin: "RegistrationAuthorityAdmin", securityAdmin: "SecurityAdmin",
};
const password = "matrix password 12345";

const text = (value: string) => new Variant({ dataType: DataType.String, value });
const nodeId = (value: NodeId) => new Variant({ dataType: DataType.NodeId, value });
const bytes = (value: Buffer) => new Variant({ dataType: DataType.ByteString, value });
const strings = (value: string[]) =>
  new Variant({ dataType: DataType.String, arrayType: VariantArrayType.Array, value });

interface Context {
  admin: GdsClient;
  thisApp: NodeId;
  thisUri: string;
  fresh(prefix: string): Promise<{ applicationId: NodeId; uri: string }>;
  csr(uri: string): Buffer;
  userTokenGroup: NodeId;
  httpsGroup: NodeId;
}

interface Case {
  method: string;
  /** Who gets Good over SignAndEncrypt; everyone else gets BadUserAccessDenied. */
  allowed: Identity[] | "everyone";
  call(client: GdsClient, context: Context): Promise<StatusCode>;
}

let counter = 0;
const unique = () => `${Date.now().toString(36)}-${(counter += 1)}`;

const cases: Case[] = [
  { method: "RegisterApplication", allowed: ["discovery"],
    call: async (client) =>
      (await client.registerApplication(serverRecord(`urn:matrix:reg:${unique()}`))).statusCode },
  { method: "UpdateApplication", allowed: ["discovery", "selfThis"],
    call: async (client, context) => (await client.updateApplication({
      ...serverRecord(context.thisUri), applicationId: context.thisApp })).statusCode },
  { method: "UnregisterApplication", allowed: ["discovery"],
    call: async (client, context) =>
      (await client.unregisterApplication((await context.fresh("unreg")).applicationId))
        .statusCode },
  { method: "FindApplications", allowed: "everyone",
    call: async (client, context) => (await client.findApplications(context.thisUri)).statusCode },
  { method: "GetApplication", allowed: "everyone",
    call: async (client, context) => (await client.getApplication(context.thisApp)).statusCode },
  { method: "QueryApplications", allowed: "everyone",
    call: async (client) => (await client.queryApplications({})).statusCode },
  { method: "QueryServers", allowed: "everyone",
    call: async (client) => (await client.queryServers({})).statusCode },
  { method: "GetCertificateGroups", allowed: "everyone",
    call: async (client, context) =>
      (await client.getCertificateGroups(context.thisApp)).statusCode },
  { method: "StartSigningRequest", allowed: ["caAdmin", "selfThis"],
    // The user-token group, so that the application's own channel certificate stays current.
    call: async (client, context) => (await client.startSigningRequest(context.thisApp,
      context.csr(context.thisUri), context.userTokenGroup)).statusCode },
  { method: "StartNewKeyPairRequest", allowed: ["caAdmin", "selfThis"],
    call: async (client, context) => (await client.call(154, [nodeId(context.thisApp),
      nodeId(context.userTokenGroup), nodeId(NodeId.nullNodeId), text("CN=matrix"),
      strings([]), text("PEM"), text("")])).statusCode },
  { method: "FinishRequest", allowed: ["caAdmin", "selfThis"],
    call: async (client, context) => {
      const started = await context.admin.startSigningRequest(context.thisApp,
        context.csr(context.thisUri), context.userTokenGroup);
      return (await client.finishRequest(context.thisApp, started.outputs[0] as NodeId)).statusCode;
    } },
  { method: "GetTrustList", allowed: ["caAdmin", "operator", "selfThis"],
    call: async (client, context) => (await client.getTrustList(context.thisApp)).statusCode },
  { method: "GetCertificateStatus", allowed: ["caAdmin", "operator", "selfThis"],
    call: async (client, context) =>
      (await client.getCertificateStatus(context.thisApp)).statusCode },
  { method: "GetCertificates", allowed: ["caAdmin", "operator", "selfThis"],
    call: async (client, context) => (await client.callProductMethod(
      ["Directory", "GetCertificates"],
      [nodeId(context.thisApp), nodeId(NodeId.nullNodeId)])).statusCode },
  { method: "RevokeCertificate", allowed: ["caAdmin", "selfThis"],
    call: async (client, context) => {
      const token = await context.admin.startSigningRequest(context.thisApp,
        context.csr(context.thisUri), context.userTokenGroup);
      const finished = await context.admin.finishRequest(context.thisApp,
        token.outputs[0] as NodeId);
      return (await client.callProductMethod(["Directory", "RevokeCertificate"],
        [nodeId(context.thisApp), bytes(finished.outputs[0] as Buffer)])).statusCode;
    } },
  { method: "CheckRevocationStatus", allowed: "everyone",
    call: async (client) => {
      const notACertificate = bytes(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]));
      const result = await client.callProductMethod(["Directory", "CheckRevocationStatus"],
        [notACertificate]);
      return result.statusCode === StatusCodes.BadInvalidArgument
        ? StatusCodes.Good : StatusCodes.BadUnexpectedError;
    } },
  { method: "TrustList.Open", allowed: ["operator", "discovery", "caAdmin", "raAdmin",
    "securityAdmin", "selfThis", "selfOther"],
    call: async (client) => {
      try {
        await client.readTrustList(client.nodeId(616));
        return StatusCodes.Good;
      } catch (error) {
        const name = String((error as Error).message).split(": ")[1] ?? "";
        return (StatusCodes as unknown as Record<string, StatusCode>)[name] ?? StatusCodes.Bad;
      }
    } },
  { method: "ListRequests", allowed: ["raAdmin", "caAdmin", "operator"],
    call: async (client) => (await client.callProductMethod(["SecurityHandler", "ListRequests"],
      [text("pending")])).statusCode },
  { method: "ApproveRequest", allowed: ["raAdmin", "caAdmin"],
    call: async (client, context) => {
      const started = await context.admin.startSigningRequest(context.thisApp,
        context.csr(context.thisUri), context.httpsGroup);
      return (await client.callProductMethod(["SecurityHandler", "ApproveRequest"],
        [nodeId(started.outputs[0] as NodeId)])).statusCode;
    } },
  { method: "RejectRequest", allowed: ["raAdmin", "caAdmin"],
    call: async (client, context) => {
      const started = await context.admin.startSigningRequest(context.thisApp,
        context.csr(context.thisUri), context.httpsGroup);
      return (await client.callProductMethod(["SecurityHandler", "RejectRequest"],
        [nodeId(started.outputs[0] as NodeId), text("matrix")])).statusCode;
    } },
  { method: "RevokeCertificateBySerial", allowed: ["caAdmin"],
    call: async (client, context) => {
      const { applicationId, uri } = await context.fresh("revoke");
      const issued = await enrol(context.admin, applicationId, context.csr(uri));
      const serial = new (await import("node:crypto")).X509Certificate(issued.certificate)
        .serialNumber;
      return (await client.callProductMethod(["SecurityHandler", "RevokeCertificateBySerial"],
        [text(serial), text("superseded")])).statusCode;
    } },
  { method: "ListUsers", allowed: ["securityAdmin", "operator"],
    call: async (client) =>
      (await client.callProductMethod(["SecurityHandler", "ListUsers"], [])).statusCode },
  { method: "AddUser", allowed: ["securityAdmin"],
    call: async (client) => (await client.callProductMethod(["SecurityHandler", "AddUser"],
      [text(`u-${unique()}`), text(password), strings(["Operator"])])).statusCode },
  { method: "SetUserRoles", allowed: ["securityAdmin"],
    call: async (client, context) => {
      const name = await throwawayUser(context.admin);
      return (await client.callProductMethod(["SecurityHandler", "SetUserRoles"],
        [text(name), strings(["DiscoveryAdmin"])])).statusCode;
    } },
  { method: "SetUserPassword", allowed: ["securityAdmin"],
    call: async (client, context) => {
      const name = await throwawayUser(context.admin);
      return (await client.callProductMethod(["SecurityHandler", "SetUserPassword"],
        [text(name), text("another password 123")])).statusCode;
    } },
  { method: "AddUserCertificate", allowed: ["securityAdmin"],
    call: async (client, context) => {
      const name = await throwawayUser(context.admin);
      return (await client.callProductMethod(["SecurityHandler", "AddUserCertificate"],
        [text(name), text(randomBytes(20).toString("hex")), nodeId(NodeId.nullNodeId)]))
        .statusCode;
    } },
  { method: "RemoveUserCertificate", allowed: ["securityAdmin"],
    call: async (client, context) => {
      const name = await throwawayUser(context.admin);
      const binding = [text(name), text(randomBytes(20).toString("hex")),
        nodeId(NodeId.nullNodeId)];
      await context.admin.callProductMethod(["SecurityHandler", "AddUserCertificate"], binding);
      return (await client.callProductMethod(["SecurityHandler", "RemoveUserCertificate"],
        binding)).statusCode;
    } },
  { method: "RemoveUser", allowed: ["securityAdmin"],
    call: async (client, context) => {
      const name = await throwawayUser(context.admin);
      return (await client.callProductMethod(["SecurityHandler", "RemoveUser"], [text(name)]))
        .statusCode;
    } },
];

/** A self-signed certificate and key for an X509IdentityToken. */
function x509User(scratch: ScratchDirectory) {
  opensslOk(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
    "/CN=x509 matrix", "-keyout", scratch.file("x509.key"), "-out", scratch.file("x509.pem")]);
  return {
    certificate: new X509Certificate(scratch.read("x509.pem")).raw,
    privateKeyPem: scratch.read("x509.key").toString("utf8"),
  };
}

async function throwawayUser(admin: GdsClient): Promise<string> {
  const name = `t-${unique()}`;
  const added = await admin.callProductMethod(["SecurityHandler", "AddUser"],
    [text(name), text(password), strings(["Operator"])]);
  expectStatus(added.statusCode, StatusCodes.Good);
  return name;
}

function expected(testCase: Case, identity: Identity, mode: "Sign" | "SignAndEncrypt") {
  if (testCase.allowed === "everyone") return StatusCodes.Good;
  if (mode === "Sign") return StatusCodes.BadSecurityModeInsufficient;
  // A user signed in with a certificate has exactly the rights of that user's roles.
  const holder = identity === "x509CaAdmin" ? "caAdmin" : identity;
  return testCase.allowed.includes(holder) ? StatusCodes.Good : StatusCodes.BadUserAccessDenied;
}

describe("the role matrix: every method x identity x security mode", () => {
  let fixture: GdsFixture;
  let context: Context;
  const scratch = new ScratchDirectory();
  const clients = new Map<string, GdsClient>();

  beforeAll(async () => {
    fixture = await GdsFixture.create({}, {
      certificateGroups: { DefaultHttpsGroup: { approval: "manual" } },
    });
    await fixture.start();
    const admin = await connectClient(fixture);
    const fresh = async (prefix: string) => {
      const uri = `urn:matrix:${prefix}:${unique()}`;
      return { applicationId: await registerServer(context.admin, uri), uri };
    };
    const csr = (uri: string) => opensslRequest(scratch, { subjectAltName: `URI:${uri}` });
    context = { admin, thisApp: NodeId.nullNodeId, thisUri: "", fresh, csr,
      userTokenGroup: admin.nodeId(683), httpsGroup: admin.nodeId(649) };
    const self = await fresh("this");
    const other = await fresh("other");
    context.thisApp = self.applicationId;
    context.thisUri = self.uri;

    for (const [identity, role] of Object.entries(roleOf)) {
      const added = await admin.callProductMethod(["SecurityHandler", "AddUser"],
        [text(identity), text(password), strings([role!])]);
      expectStatus(added.statusCode, StatusCodes.Good);
    }
    const ownCertificate = async (applicationId: NodeId, uri: string, name: string) => {
      const started = await admin.call(154, [nodeId(applicationId), nodeId(NodeId.nullNodeId),
        nodeId(NodeId.nullNodeId), text(`CN=${name}`), strings(["127.0.0.1"]), text("PEM"),
        text("")]);
      const finished = await admin.finishRequest(applicationId, started.outputs[0] as NodeId);
      const certificateFile = join(fixture.dataDir, `${name}.pem`);
      const privateKeyFile = join(fixture.dataDir, `${name}.key`);
      const { X509Certificate } = await import("node:crypto");
      const pem = new X509Certificate(finished.outputs[0] as Buffer).toString();
      await writeFile(certificateFile, pem);
      await writeFile(privateKeyFile, finished.outputs[1] as Buffer);
      return { certificateFile, privateKeyFile, applicationUri: uri };
    };
    const selfFiles = {
      selfThis: await ownCertificate(self.applicationId, self.uri, "self-this"),
      selfOther: await ownCertificate(other.applicationId, other.uri, "self-other"),
    };

    const x509 = x509User(scratch);
    expectStatus((await admin.callProductMethod(["SecurityHandler", "AddUser"],
      [text("x509CaAdmin"), text(password), strings(["CertificateAuthorityAdmin"])])).statusCode,
    StatusCodes.Good);
    expectStatus((await admin.callProductMethod(["SecurityHandler", "AddUserCertificate"],
      [text("x509CaAdmin"), text(thumbprintOf(x509.certificate)), nodeId(NodeId.nullNodeId)]))
      .statusCode, StatusCodes.Good);

    for (const mode of ["Sign", "SignAndEncrypt"] as const) {
      for (const identity of identities) {
        const files = identity === "selfThis" || identity === "selfOther"
          ? selfFiles[identity] : undefined;
        const client = await GdsClient.connect({
          endpointUrl: fixture.endpointUrl,
          pkiDir: join(fixture.dataDir, `matrix-${identity}-${mode}`),
          securityMode: MessageSecurityMode[mode],
          user: roleOf[identity] ? { userName: identity, password } : undefined,
          authority: { certificate: fixture.gds!.authority.certificate(),
            crl: fixture.gds!.authority.crl() },
          userCertificate: identity === "x509CaAdmin" ? x509 : undefined,
          ...files,
        });
        clients.set(`${identity}/${mode}`, client);
      }
    }
    // node-opcua closes a socket idle for 60 s; on a loaded machine the connections above can
    // take that long, so the cases get an administrator session that has not been idle.
    const idleAdmin = context.admin;
    context.admin = await connectClient(fixture);
    await idleAdmin.close().catch(() => undefined);
  }, 300_000);

  afterAll(async () => {
    for (const client of clients.values()) await client.close().catch(() => undefined);
    await context?.admin.close();
    await fixture?.dispose();
    scratch.remove();
  });

  it("refuses to open a session over a None channel", async () => {
    await expect(connectClient(fixture, { mode: MessageSecurityMode.None })).rejects.toThrow();
  });

  for (const testCase of cases) {
    it(`${testCase.method}`, async () => {
      const cells: string[] = [];
      const wrong: string[] = [];
      for (const mode of ["Sign", "SignAndEncrypt"] as const) {
        for (const identity of identities) {
          const client = clients.get(`${identity}/${mode}`)!;
          const actual = await testCase.call(client, context);
          const want = expected(testCase, identity, mode);
          cells.push(`${identity}/${mode}`);
          if (actual.name !== want.name) {
            wrong.push(`${identity}/${mode}: ${actual.name} != ${want.name}`);
          }
        }
      }
      expect(cells).toHaveLength(2 * identities.length);
      expect(wrong).toEqual([]);
    }, 120_000);
  }
});
