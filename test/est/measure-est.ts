/**
 * Measures EST over HTTPS against a real GDS (SoftHSM CA key, nedb store), not a test: timing
 * on a shared machine is too noisy to assert. Run: npx tsx test/est/measure-est.ts
 *
 * For ROUNDS applications, one after another: a credential (REST), simpleenroll (scrypt
 * check of the credential, CSR checks, HSM signature, store, audit), then simplereenroll with
 * the new certificate over mutual TLS. CSRs are made beforehand, so key generation is not
 * counted. Each request opens a new TLS connection, as curl would.
 */
import "reflect-metadata";
import { X509Certificate } from "node:crypto";
import { performance } from "node:perf_hooks";
import { opensslOk, ScratchDirectory } from "../ca/openssl.js";
import { httpsCall } from "../rest/https-client.js";
import { RestFixture } from "../rest/rest-fixture.js";

const rounds = Number(process.env.ROUNDS ?? 30);
const scratch = new ScratchDirectory();
const fixture = await RestFixture.start();
const token = await fixture.token();

function request(name: string, uri: string, subject: string): Buffer {
  opensslOk(["req", "-new", "-newkey", "rsa:2048", "-nodes",
    "-keyout", scratch.file(`${name}.key`),
    "-subj", subject, "-addext", `subjectAltName=URI:${uri}`, "-outform", "DER",
    "-out", scratch.file(`${name}.der`)]);
  return scratch.read(`${name}.der`);
}

const prepared = Array.from({ length: rounds }, (_, index) => {
  const uri = `urn:measure:est:${index}`;
  const first = request(`m${index}`, uri, `/CN=m${index}`);
  const key = scratch.read(`m${index}.key`).toString("utf8");
  return { uri, first, key, second: request(`m${index}-renewed`, uri, `/CN=m${index}`) };
});

const timings = { enroll: [] as number[], reenroll: [] as number[] };
for (const round of prepared) {
  const applicationId = await fixture.register(round.uri, token);
  const credential = (await fixture.call("POST",
    `/applications/${applicationId}/est-credentials`, {}, token))
    .json<{ credentialId: string; password: string }>();

  let started = performance.now();
  const enrolled = await httpsCall(`${fixture.httpsUrl}/.well-known/est/simpleenroll`, {
    method: "POST", ca: fixture.caPem, body: round.first.toString("base64"),
    headers: { "content-type": "application/pkcs10", authorization: `Basic ${Buffer.from(
      `${credential.credentialId}:${credential.password}`).toString("base64")}` },
  });
  timings.enroll.push(performance.now() - started);
  if (enrolled.status !== 200) throw new Error(`simpleenroll: ${enrolled.status}`);
  const p7 = scratch.write(`${applicationId}.p7`, Buffer.from(enrolled.text, "base64"));
  const cert = new X509Certificate(
    opensslOk(["pkcs7", "-inform", "DER", "-in", p7, "-print_certs"])).toString();

  started = performance.now();
  const renewed = await httpsCall(`${fixture.httpsUrl}/.well-known/est/simplereenroll`, {
    method: "POST", ca: fixture.caPem, cert, key: round.key,
    body: round.second.toString("base64"), headers: { "content-type": "application/pkcs10" },
  });
  timings.reenroll.push(performance.now() - started);
  if (renewed.status !== 200) throw new Error(`simplereenroll: ${renewed.status}`);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
for (const [name, values] of Object.entries(timings)) {
  console.log(`${name}: ${values.length} requests, median ${median(values).toFixed(1)} ms, `
    + `max ${Math.max(...values).toFixed(1)} ms`);
}
await fixture.dispose();
scratch.remove();
