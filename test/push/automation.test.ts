import { X509Certificate } from "node:crypto";
import { DataType, StatusCodes, Variant } from "node-opcua";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { opensslOk, opensslRequest, ScratchDirectory } from "../ca/openssl.js";
import { crlPem, enrol, expectStatus, registerServer } from "../support/enrolment.js";
import { PushFixture } from "./push-fixture.js";

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;
const text = (value: string) => new Variant({ dataType: DataType.String, value });

/**
 * The scheduler's decisions with an injected clock: it starts two days in the past so that
 * everything issued stays valid for the targets, which run on the real clock. With a renewal
 * window of 364 days and 365-day certificates, a certificate is due a day after issuance.
 */
describe("push automation", () => {
  const clock = new ManualClock(new Date(Date.now() - 2 * dayMs));
  const scratch = new ScratchDirectory();
  let fixture: PushFixture;

  beforeAll(async () => {
    fixture = await PushFixture.create({ clock, flags: { renewalWindowDays: 364 } });
  });

  afterAll(async () => {
    await fixture?.dispose();
    scratch.remove();
  });

  const pushEngine = () => fixture.running.push;

  async function onboarded(uri: string) {
    // Targets drop their channels as soon as ApplyChanges is answered, not a moment later:
    // passes here follow each other within milliseconds, where a late drop would cut the next
    // session at a random step (the redo covers that case only partly, see push-attempt.ts).
    const { target, applicationId } = await fixture.target(uri, { channelCloseDelayMs: 0 });
    await fixture.enable(applicationId, target.endpointUrl);
    const attempts = await pushEngine().engine.runDue();
    expect(attempts.map((attempt) => attempt.outcome)).toContain("Succeeded");
    return { target, applicationId };
  }

  async function revokeNewClient(uri: string): Promise<string> {
    const applicationId = await registerServer(fixture.admin, uri);
    const issued = await enrol(fixture.admin, applicationId,
      opensslRequest(scratch, { subjectAltName: `URI:${uri}` }));
    const serial = new X509Certificate(issued.certificate).serialNumber;
    const revoked = await fixture.admin.callProductMethod(
      ["SecurityHandler", "RevokeCertificateBySerial"], [text(serial), text("keyCompromise")]);
    expectStatus(revoked.statusCode, StatusCodes.Good);
    return serial;
  }

  it("onboards a newly enabled target on the next pass and then has nothing due", async () => {
    const { target } = await onboarded("urn:plant:auto:first");
    const served = new X509Certificate(await target.servedCertificate());
    expect(served.checkIssued(new X509Certificate(fixture.running.authority.certificate())))
      .toBe(true);
    expect(await pushEngine().engine.runDue()).toEqual([]);
  });

  it("spreads a revocation: every target's trust list gets the new CRL", async () => {
    const { target, applicationId } = await onboarded("urn:plant:auto:crl");
    const serial = await revokeNewClient("urn:plant:auto:revoked-client");
    await pushEngine().scheduler.kick();

    const authority = fixture.running.authority;
    const crls = await target.crls();
    const attempts = JSON.stringify((await fixture.status(applicationId)).attempts);
    expect(crls.some((crl) => crl.equals(authority.crl())), attempts).toBe(true);
    const crlText = opensslOk(["crl", "-noout", "-text", "-in",
      scratch.write("pushed.crl.pem", crlPem(authority.crl()))]);
    expect(crlText).toContain(serial.toUpperCase());
    const status = await fixture.status(applicationId);
    expect(status.crlNumber).toBe(authority.crlNumber().toString());
    expect(status.attempts[0]).toMatchObject({ kind: "trustList", outcome: "Succeeded" });
  });

  it("renews a certificate once it is inside the renewal window", async () => {
    const { target, applicationId } = await onboarded("urn:plant:auto:renew");
    const first = await fixture.status(applicationId);
    clock.advance(12 * hourMs);
    await pushEngine().scheduler.kick();
    expect((await fixture.status(applicationId)).serialNumber).toBe(first.serialNumber);

    clock.advance(13 * hourMs);
    await pushEngine().scheduler.kick();
    const renewed = await fixture.status(applicationId);
    expect(renewed.serialNumber, JSON.stringify(renewed.attempts)).not.toBe(first.serialNumber);
    expect(renewed.attempts[0]).toMatchObject({ kind: "certificate", outcome: "Succeeded" });
    const served = new X509Certificate(await target.servedCertificate());
    expect(served.serialNumber.toLowerCase()).toBe(renewed.serialNumber);
  });

  it("backs off from a target that is down while the others are served", async () => {
    const down = await onboarded("urn:plant:auto:down");
    const up = await onboarded("urn:plant:auto:up");
    await down.target.stop();
    await revokeNewClient("urn:plant:auto:revoked-while-down");
    await pushEngine().scheduler.kick();

    const failed = await fixture.status(down.applicationId);
    expect(failed).toMatchObject({ lastOutcome: "TargetUnreachable", failures: 1 });
    expect(Date.parse(failed.retryAt!)).toBe(clock.now().getTime() + 60_000);
    expect(await fixture.status(up.applicationId))
      .toMatchObject({ lastOutcome: "Succeeded", failures: 0 });

    // Inside the backoff nothing is tried again, however often the scheduler runs.
    await pushEngine().scheduler.kick();
    expect((await fixture.status(down.applicationId)).attempts)
      .toHaveLength(failed.attempts.length);

    await down.target.restart();
    clock.advance(61_000);
    await pushEngine().scheduler.kick();
    const recovered = await fixture.status(down.applicationId);
    expect(recovered).toMatchObject({ lastOutcome: "Succeeded", failures: 0 });
    expect(recovered.retryAt).toBeUndefined();
    const crls = await down.target.crls();
    expect(crls.some((crl) => crl.equals(fixture.running.authority.crl()))).toBe(true);
  });
});
