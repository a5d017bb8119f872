import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MessageSecurityMode } from "node-opcua";
import { startPushTarget, type PushTarget, type PushTargetOptions } from "./push-target.js";
import { TargetClient } from "./target-client.js";
import { TestPki } from "./test-pki.js";

export const admin = { userName: "secadmin", password: "push target admin 1" };
export const operator = { userName: "operator", password: "push target operator 1" };
export const targetUri = "urn:security-handler:test:push-target";

/** A push target trusting a test CA, with clients holding certificates from that CA. */
export class TargetFixture {
  private clients = 0;
  private readonly open: TargetClient[] = [];

  private constructor(
    readonly dir: string,
    readonly pki: TestPki,
    readonly target: PushTarget,
    private readonly credentials: { certificateFile: string; privateKeyFile: string },
    private readonly crl: Buffer,
  ) {}

  static async start(options: Partial<PushTargetOptions> = {}): Promise<TargetFixture> {
    const dir = await mkdtemp(join(tmpdir(), "sh-push-target-"));
    const pki = await TestPki.create();
    const credentials = await pki.clientCredentials(dir, "urn:security-handler:test:push-client");
    const crl = await pki.crl();
    const target = await startPushTarget({
      dir: join(dir, "target"),
      applicationUri: targetUri,
      users: [{ ...admin, roles: ["SecurityAdmin"] }, { ...operator, roles: [] }],
      trustGds: { certificate: pki.certificate, crl },
      ...options,
    });
    return new TargetFixture(dir, pki, target, credentials, crl);
  }

  async connect(
    user: { userName: string; password: string } | null = admin,
    mode = MessageSecurityMode.SignAndEncrypt,
    credentials = this.credentials,
  ): Promise<TargetClient> {
    this.clients += 1;
    const client = await TargetClient.connect({
      endpointUrl: this.target.endpointUrl,
      pkiDir: join(this.dir, `client-pki-${this.clients}`),
      ...credentials,
      user: user ?? undefined,
      authority: { certificate: this.pki.certificate, crl: this.crl },
      mode,
    });
    this.open.push(client);
    return client;
  }

  async dispose(): Promise<void> {
    for (const client of this.open) await client.close().catch(() => undefined);
    await this.target.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
