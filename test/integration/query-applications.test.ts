import {
  ApplicationDescription,
  DataType,
  ServerOnNetwork,
  StatusCodes,
  Variant,
  VariantArrayType,
} from "node-opcua";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApplicationQueryOptions, GdsClient } from "../../src/client/gds-client.js";
import { connectClient, expectStatus, serverRecord } from "../support/enrolment.js";
import { GdsFixture } from "../support/gds-fixture.js";

describe("QueryApplications and QueryServers over OPC UA", () => {
  let fixture: GdsFixture;
  let admin: GdsClient;
  let anonymous: GdsClient;
  const serverUris = Array.from({ length: 11 }, (_, n) => `urn:plant:line${n}:server`);

  beforeAll(async () => {
    fixture = await GdsFixture.create();
    await fixture.start();
    admin = await connectClient(fixture);
    anonymous = await connectClient(fixture, { user: null });

    for (const uri of serverUris) {
      const registered = await admin.registerApplication(serverRecord(uri));
      expectStatus(registered.statusCode, StatusCodes.Good);
    }
    const others = [
      { ...serverRecord("urn:plant:historian"), applicationType: 2,
        applicationNames: [{ locale: "en", text: "Historian" }],
        productUri: "urn:vendor:historian", serverCapabilities: ["HD", "DA"],
        discoveryUrls: ["opc.tcp://historian:4840", "opc.https://historian:443"] },
      { ...serverRecord("urn:plant:hmi"), applicationType: 1,
        applicationNames: [{ locale: "en", text: "HMI" }], serverCapabilities: ["RCP"],
        discoveryUrls: ["opc.tcp://hmi:4841"] },
    ];
    for (const record of others) {
      expectStatus((await admin.registerApplication(record)).statusCode, StatusCodes.Good);
    }
  });

  afterAll(async () => {
    await anonymous?.close();
    await admin?.close();
    await fixture?.dispose();
  });

  async function queryApplications(query: ApplicationQueryOptions, client = anonymous) {
    const result = await client.queryApplications(query);
    expectStatus(result.statusCode, StatusCodes.Good);
    const [lastCounterResetTime, nextRecordId, applications] = result.outputs as
      [Date, number, ApplicationDescription[] | null];
    return { lastCounterResetTime, nextRecordId, applications: applications ?? [] };
  }

  const uris = async (query: ApplicationQueryOptions) =>
    (await queryApplications(query)).applications.map((application) => application.applicationUri);

  it("lets an anonymous session page through every record by chaining NextRecordId", async () => {
    const seen: string[] = [];
    let next = 0;
    let pages = 0;
    do {
      const page = await queryApplications({ startingRecordId: next, maxRecordsToReturn: 4 });
      expect(page.applications.length).toBeLessThanOrEqual(4);
      seen.push(...page.applications.map((application) => application.applicationUri!));
      next = page.nextRecordId;
      pages += 1;
    } while (next !== 0);

    expect(pages).toBe(4);
    expect(seen).toEqual([...serverUris, "urn:plant:historian", "urn:plant:hmi"]);
  });

  it("describes each application as Part 12 maps a record to an ApplicationDescription",
    async () => {
      const [historian] = (await queryApplications({ applicationUri: "urn:plant:historian" }))
        .applications;
      expect(historian).toBeInstanceOf(ApplicationDescription);
      expect(historian!.applicationName.text).toBe("Historian");
      expect(historian!.applicationType).toBe(2);
      expect(historian!.productUri).toBe("urn:vendor:historian");
      expect(historian!.discoveryUrls).toEqual(
        ["opc.tcp://historian:4840", "opc.https://historian:443"]);
    });

  it("filters by name, URI and product patterns, the type mask and capabilities", async () => {
    expect(await uris({ applicationName: "Server urn:plant:line1%" }))
      .toEqual(["urn:plant:line1:server", "urn:plant:line10:server"]);
    expect(await uris({ applicationUri: "urn:plant:line_:server", maxRecordsToReturn: 3 }))
      .toEqual(serverUris.slice(0, 3));
    expect(await uris({ productUri: "urn:vendor:%" })).toEqual(["urn:plant:historian"]);
    expect(await uris({ applicationType: 2 })).toEqual(["urn:plant:historian", "urn:plant:hmi"]);
    expect(await uris({ applicationType: 1, applicationUri: "urn:plant:h%" }))
      .toEqual(["urn:plant:historian"]);
    expect(await uris({ serverCapabilities: ["hd", "DA"] })).toEqual(["urn:plant:historian"]);
  });

  it("keeps LastCounterResetTime from call to call", async () => {
    const first = await queryApplications({ maxRecordsToReturn: 1 });
    const second = await queryApplications({ maxRecordsToReturn: 1 }, admin);
    expect(first.lastCounterResetTime).toBeInstanceOf(Date);
    expect(first.lastCounterResetTime.getTime()).toBeLessThanOrEqual(Date.now());
    expect(second.lastCounterResetTime).toEqual(first.lastCounterResetTime);
  });

  it("QueryServers lists each DiscoveryUrl of each server and continues after a RecordId",
    async () => {
      const result = await anonymous.queryServers({ applicationUri: "urn:plant:h%" });
      expectStatus(result.statusCode, StatusCodes.Good);
      const servers = result.outputs[1] as ServerOnNetwork[];
      expect(servers.map(({ serverName, discoveryUrl, serverCapabilities }) =>
        ({ serverName, discoveryUrl, serverCapabilities }))).toEqual([
        { serverName: "Historian", discoveryUrl: "opc.tcp://historian:4840",
          serverCapabilities: ["HD", "DA"] },
        { serverName: "Historian", discoveryUrl: "opc.https://historian:443",
          serverCapabilities: ["HD", "DA"] },
      ]);

      const all = (await anonymous.queryServers()).outputs[1] as ServerOnNetwork[];
      const third = all[2]!.recordId;
      const after = (await anonymous.queryServers(
        { startingRecordId: third, maxRecordsToReturn: 2 })).outputs[1] as ServerOnNetwork[];
      expect(after.map((server) => server.recordId)).toEqual([all[3]!.recordId, all[4]!.recordId]);
    });

  it("refuses an unknown ApplicationType bit and a malformed pattern with BadInvalidArgument",
    async () => {
      expectStatus((await anonymous.queryApplications({ applicationType: 4 })).statusCode,
        StatusCodes.BadInvalidArgument);
      expectStatus((await anonymous.queryApplications({ applicationName: "line[" })).statusCode,
        StatusCodes.BadInvalidArgument);
      expectStatus((await anonymous.queryServers({ productUri: "urn:\\" })).statusCode,
        StatusCodes.BadInvalidArgument);
    });

  // node-opcua compares every argument with the method's InputArguments before our handler
  // runs, and answers a wrong DataType or ValueRank with BadTypeMismatch for the call, the
  // offending argument marked the same way in inputArgumentResults.
  it("refuses wrongly typed arguments, marking the argument, before the handler runs", async () => {
    const args = [
      new Variant({ dataType: DataType.String, value: "0" }),
      new Variant({ dataType: DataType.UInt32, value: 0 }),
      new Variant({ dataType: DataType.String, value: "" }),
      new Variant({ dataType: DataType.String, value: "" }),
      new Variant({ dataType: DataType.UInt32, value: 0 }),
      new Variant({ dataType: DataType.String, value: "" }),
      new Variant({ dataType: DataType.String, value: "DA" }),
    ];
    const result = await anonymous.session.call({
      objectId: anonymous.nodeId(141), methodId: anonymous.nodeId(992), inputArguments: args,
    });
    expectStatus(result.statusCode, StatusCodes.BadTypeMismatch);
    expect(result.inputArgumentResults?.map((status) => status.name)).toEqual([
      "BadTypeMismatch", "Good", "Good", "Good", "Good", "Good", "BadTypeMismatch"]);

    const missing = await anonymous.session.call({
      objectId: anonymous.nodeId(141), methodId: anonymous.nodeId(151),
      inputArguments: [new Variant({ dataType: DataType.UInt32, value: 0 })],
    });
    expectStatus(missing.statusCode, StatusCodes.BadArgumentsMissing);

    const scalars = await anonymous.queryApplications({ serverCapabilities: [] });
    expectStatus(scalars.statusCode, StatusCodes.Good);
    const nullArray = await anonymous.session.call({
      objectId: anonymous.nodeId(141), methodId: anonymous.nodeId(151),
      inputArguments: [
        new Variant({ dataType: DataType.UInt32, value: 0 }),
        new Variant({ dataType: DataType.UInt32, value: 1 }),
        new Variant({ dataType: DataType.String, value: null }),
        new Variant({ dataType: DataType.String, value: null }),
        new Variant({ dataType: DataType.String, value: null }),
        new Variant({ dataType: DataType.String, arrayType: VariantArrayType.Array, value: null }),
      ],
    });
    expectStatus(nullArray.statusCode, StatusCodes.Good);
  });
});
