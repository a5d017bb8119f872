import "../../src/log/stack-log-bridge.js";
import "reflect-metadata";
import { readFileSync } from "node:fs";
import {
  MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy, UserTokenType,
} from "node-opcua";

/**
 * A client that opens sessions and then dies without closing them, as a crashed or hostile
 * client would: `session-hog.ts ENDPOINT PKI_DIR CA_DER CRL_DER COUNT`. Prints "ready" once
 * the sessions are open, then waits to be killed.
 */
const [endpointUrl, pkiDir, caFile, crlFile, count] = process.argv.slice(2) as [
  string, string, string, string, string];
const certificateManager = new OPCUACertificateManager({
  rootFolder: pkiDir, automaticallyAcceptUnknownCertificate: true,
});
await certificateManager.initialize();
await certificateManager.addIssuer(readFileSync(caFile), false, true);
await certificateManager.addRevocationList(readFileSync(crlFile));
const client = OPCUAClient.create({
  applicationName: "session hog",
  applicationUri: "urn:security-handler:test:session-hog",
  securityMode: MessageSecurityMode.SignAndEncrypt,
  securityPolicy: SecurityPolicy.Basic256Sha256,
  endpointMustExist: false,
  connectionStrategy: { maxRetry: 0 },
  clientCertificateManager: certificateManager,
  requestedSessionTimeout: 3_000_000,
});
await client.connect(endpointUrl);
for (let i = 0; i < Number(count); i++) {
  await client.createSession({ type: UserTokenType.Anonymous });
}
process.stdout.write("ready\n");
setInterval(() => undefined, 60_000);
