import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { MessageSecurityMode, NodeId, StatusCodes, type StatusCode } from "node-opcua";
import { GdsClient } from "../src/client/gds-client.js";
import { certificationRequests, requesterKeys } from "./csr-supply.js";

export interface EnrolmentClientOptions {
  endpointUrl: string;
  /** The GDS's CA certificate and CRL (DER), trusted before connecting. */
  authority: { certificate: Buffer; crl: Buffer };
  adminPassword: string;
  /** The client's own PKI folder lives under here. */
  workDir: string;
  /** This client's number; it makes its ApplicationUris unique in the run. */
  index: number;
  /** Enrolments to prepare a CSR for: every enrolment registers an application of its own. */
  enrolments: number;
}

/** Wall milliseconds of one enrolment's three calls. */
export interface EnrolmentTimes {
  registerMs: number;
  startMs: number;
  finishMs: number;
}

/**
 * One GDS client as a device's installer would drive it: a SignAndEncrypt session signed in
 * as admin, and per enrolment RegisterApplication, StartSigningRequest, FinishRequest.
 * Everything that is not timed (CSRs, the client's own certificate) is made in prepare().
 */
export class EnrolmentClient {
  private client: GdsClient | undefined;
  private csrs: Buffer[] = [];
  private used = 0;

  constructor(private readonly options: EnrolmentClientOptions) {}

  async prepare(): Promise<void> {
    const keys = await requesterKeys(1);
    this.csrs = await certificationRequests(keys, this.options.enrolments,
      (n) => this.applicationUri(n), (n) => this.host(n));
    // The first connection makes the client's own key and certificate; later ones reuse them.
    await (await this.connect()).close();
  }

  /** Opens and closes `count` sessions one after another; milliseconds each. */
  async sessions(count: number): Promise<number[]> {
    const times: number[] = [];
    for (let n = 0; n < count; n++) {
      const started = performance.now();
      const client = await this.connect();
      times.push(performance.now() - started);
      await client.close();
    }
    return times;
  }

  async open(): Promise<void> {
    this.client = await this.connect();
  }

  /** `count` enrolments one after another, each a new application. */
  async enrol(count: number): Promise<EnrolmentTimes[]> {
    if (!this.client) throw new Error("the session is not open");
    if (this.used + count > this.csrs.length) throw new Error("not enough CSRs prepared");
    const times: EnrolmentTimes[] = [];
    for (let n = 0; n < count; n++) times.push(await this.enrolOne(this.client, this.used++));
    return times;
  }

  async close(): Promise<void> {
    await this.client?.close();
    this.client = undefined;
  }

  private async enrolOne(client: GdsClient, n: number): Promise<EnrolmentTimes> {
    const t0 = performance.now();
    const registered = await client.registerApplication({
      applicationUri: this.applicationUri(n),
      applicationType: 0,
      applicationNames: [{ locale: "en", text: `Bench server ${this.options.index}.${n}` }],
      productUri: "urn:security-handler:bench",
      discoveryUrls: [`opc.tcp://${this.host(n)}:4840`],
      serverCapabilities: [],
    });
    check(registered.statusCode, "RegisterApplication");
    const applicationId = registered.outputs[0] as NodeId;
    const t1 = performance.now();
    const started = await client.startSigningRequest(applicationId, this.csrs[n]!);
    check(started.statusCode, "StartSigningRequest");
    const t2 = performance.now();
    const finished = await client.finishRequest(applicationId, started.outputs[0] as NodeId);
    check(finished.statusCode, "FinishRequest");
    if (!Buffer.isBuffer(finished.outputs[0])) throw new Error("FinishRequest: no certificate");
    const t3 = performance.now();
    return { registerMs: t1 - t0, startMs: t2 - t1, finishMs: t3 - t2 };
  }

  private connect(): Promise<GdsClient> {
    const { options } = this;
    return GdsClient.connect({
      endpointUrl: options.endpointUrl,
      pkiDir: join(options.workDir, `client-pki-${options.index}`),
      securityMode: MessageSecurityMode.SignAndEncrypt,
      authority: options.authority,
      user: { userName: "admin", password: options.adminPassword },
      applicationUri: `urn:security-handler:bench:client:${options.index}`,
    });
  }

  private applicationUri(n: number): string {
    return `urn:security-handler:bench:e2e:${this.options.index}:${n}`;
  }

  private host(n: number): string {
    return `app${n}.client${this.options.index}.bench.example`;
  }
}

function check(statusCode: StatusCode, method: string): void {
  if (statusCode.value !== StatusCodes.Good.value) throw new Error(`${method}: ${statusCode.name}`);
}
