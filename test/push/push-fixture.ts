import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataType, NodeId, StatusCodes, Variant, VariantArrayType } from "node-opcua";
import type { GdsClient } from "../../src/client/gds-client.js";
import type { Clock } from "../../src/core/clock.js";
import type { PushTargetStatus } from "../../src/push/push-service.js";
import type { PushAttempt } from "../../src/core/push-records.js";
import { connectClient, expectStatus, registerServer } from "../support/enrolment.js";
import { adminPassword, GdsFixture } from "../support/gds-fixture.js";
import {
  startPushTarget,
  type PushTarget,
  type PushTargetOptions,
} from "../support/push-target/push-target.js";

export const targetAdmin = {
  userName: "secadmin", password: "target secret 42", roles: ["SecurityAdmin"],
};

const text = (value: string) => new Variant({ dataType: DataType.String, value });
const nodeId = (value: NodeId) => new Variant({ dataType: DataType.NodeId, value });

/**
 * A GDS whose push scheduler runs only when a test kicks it, an administrator's client of its
 * OPC UA push methods, and push targets started on demand. Everything on 127.0.0.1.
 */
export class PushFixture {
  readonly targets: PushTarget[] = [];
  private counter = 0;

  private constructor(
    readonly gds: GdsFixture,
    readonly admin: GdsClient,
    private readonly scratch: string,
  ) {}

  static async create(options: { clock?: Clock; flags?: Record<string, unknown> } = {})
    : Promise<PushFixture> {
    const gds = await GdsFixture.create(options.flags ?? {});
    await gds.start({
      adminPassword,
      clock: options.clock,
      push: { intervalMs: 0, confirmAttempts: 20, confirmDelayMs: 100,
        backoff: { baseMs: 60_000, maxMs: 3_600_000 } },
    });
    const admin = await connectClient(gds);
    return new PushFixture(gds, admin, await mkdtemp(join(tmpdir(), "sh-push-")));
  }

  get running() {
    if (!this.gds.gds) throw new Error("the GDS is not running");
    return this.gds.gds;
  }

  /** Starts a target that trusts our CA (unless told otherwise) and registers it. */
  async target(
    applicationUri: string,
    options: Partial<PushTargetOptions> = {},
  ): Promise<{ target: PushTarget; applicationId: NodeId; dir: string }> {
    this.counter += 1;
    const dir = join(this.scratch, `target-${this.counter}`);
    const target = await this.startTarget(dir, applicationUri, options);
    const applicationId = await registerServer(this.admin, applicationUri);
    return { target, applicationId, dir };
  }

  /**
   * Starts a target in an existing folder: it keeps the certificate made there for another
   * ApplicationUri, and registers nothing.
   */
  async startTarget(
    dir: string,
    applicationUri: string,
    options: Partial<PushTargetOptions> = {},
  ): Promise<PushTarget> {
    const authority = this.running.authority;
    const target = await startPushTarget({
      dir,
      applicationUri,
      users: [targetAdmin],
      trustGds: { certificate: authority.certificate(), crl: authority.crl() },
      ...options,
    });
    this.targets.push(target);
    return target;
  }

  async enable(
    applicationId: NodeId,
    endpointUrl: string,
    credentials: { userName: string; password: string } = targetAdmin,
    trusted: Buffer[] = [],
  ) {
    return this.admin.callProductMethod(["SecurityHandler", "EnablePushTarget"], [
      nodeId(applicationId), text(endpointUrl), text(credentials.userName),
      text(credentials.password),
      new Variant({ dataType: DataType.ByteString, arrayType: VariantArrayType.Array,
        value: trusted }),
    ]);
  }

  /** PushNow for one target, through OPC UA; returns the attempt it made. */
  async pushNow(applicationId: NodeId, kind = "certificate"): Promise<PushAttempt> {
    const result = await this.admin.callProductMethod(["SecurityHandler", "PushNow"],
      [nodeId(applicationId), text(kind)]);
    expectStatus(result.statusCode, StatusCodes.Good);
    const parsed = JSON.parse(String(result.outputs[0])) as { attempts: PushAttempt[] };
    return parsed.attempts[0]!;
  }

  async status(applicationId: NodeId): Promise<PushTargetStatus> {
    const result = await this.admin.callProductMethod(["SecurityHandler", "GetPushStatus"],
      [nodeId(applicationId)]);
    expectStatus(result.statusCode, StatusCodes.Good);
    return (JSON.parse(String(result.outputs[0])) as PushTargetStatus[])[0]!;
  }

  async dispose(): Promise<void> {
    for (const target of this.targets) await target.stop().catch(() => undefined);
    await this.admin?.close().catch(() => undefined);
    await this.gds.dispose();
    await rm(this.scratch, { recursive: true, force: true });
  }
}
