import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { AttributeIds, UserTokenType } from "node-opcua";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { GdsClient } from "../../src/client/gds-client.js";
import { ScratchDirectory } from "../ca/openssl.js";
import { connectClient } from "../support/enrolment.js";
import { adminPassword, GdsFixture } from "../support/gds-fixture.js";

/** Server_ServerDiagnostics_ServerDiagnosticsSummary_CurrentSessionCount. */
const currentSessionCount = "ns=0;i=2277";
const perChannel = 4;

describe("session limits", () => {
  let fixture: GdsFixture;
  let admin: GdsClient;
  const scratch = new ScratchDirectory();
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    fixture = await GdsFixture.create();
    await fixture.start({ adminPassword, sessionLimits: { perChannel, orphanGraceMs: 300 } });
    admin = await connectClient(fixture);
  });

  afterAll(async () => {
    for (const child of children) child.kill("SIGKILL");
    await admin?.close();
    await fixture?.dispose();
    scratch.remove();
  });

  async function sessionCount(): Promise<number> {
    const value = await admin.session.read({
      nodeId: currentSessionCount, attributeId: AttributeIds.Value,
    });
    return Number(value.value.value);
  }

  it("refuses a session beyond the per-channel bound and keeps serving others", async () => {
    const client = await connectClient(fixture, { user: null });
    const extra = [];
    for (let i = 1; i < perChannel; i++) {
      extra.push(await client.client.createSession({ type: UserTokenType.Anonymous }));
    }

    await expect(client.client.createSession({ type: UserTokenType.Anonymous }))
      .rejects.toThrow(/BadSessionIdInvalid|BadSessionClosed|closed/i);
    expect(await sessionCount()).toBeGreaterThanOrEqual(perChannel + 1);

    for (const session of extra) await session.close();
    await client.close();
  });

  it("closes the sessions of a client that died once the grace period is over", async () => {
    const before = await sessionCount();
    const gds = fixture.gds!;
    const ca = scratch.write("ca.der", gds.authority.certificate());
    const crl = scratch.write("ca.crl", gds.authority.crl());
    const child = spawn(process.execPath, ["--import", "tsx",
      join(import.meta.dirname, "../support/session-hog.ts"),
      fixture.endpointUrl, scratch.file("hog-pki"), ca, crl, String(perChannel)],
    { stdio: ["ignore", "pipe", "inherit"] });
    children.push(child);
    for await (const line of createInterface({ input: child.stdout! })) {
      if (line === "ready") break;
    }
    expect(await sessionCount()).toBe(before + perChannel);

    child.kill("SIGKILL");

    await vi.waitFor(async () => expect(await sessionCount()).toBe(before),
      { timeout: 20_000, interval: 100 });
  });
});
