import "../log/stack-log-bridge.js";
import "reflect-metadata";
import { createRequire } from "node:module";
import { Command, Option } from "commander";
import { auditVerifyCommand } from "../audit/audit-verify-command.js";
import { addAdminCommands } from "./admin-commands.js";
import { addEstCommands } from "./est-commands.js";
import { addPushCommands } from "./push-commands.js";
import { startCommand } from "./start-command.js";

const productVersion = (createRequire(import.meta.url)("../../package.json") as {
  version: string;
}).version;

const program = new Command("security-handler")
  .description("OPC UA Global Discovery Server (Part 12) with an HSM-backed certificate authority")
  .version(productVersion)
  .showHelpAfterError()
  // Usage errors (unknown flag, missing argument) exit 2 like a bad setting; help exits 0.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

program
  .command("start")
  .description("run the GDS; bootstraps token, CA and administrator on the first start")
  .option("--data-dir <dir>", "data directory (token, store, PKI, audit trail)", "./data")
  .option("--host <host>", "interface to listen on (default: all interfaces)")
  .option("--port <port>", "OPC UA port (default 58810)")
  .option("--hostname <name>", "host name in the endpoint URL and the GDS certificate")
  .option("--application-uri <uri>", "ApplicationUri of the GDS itself")
  .option("--strict-channel-certificates", "accept only channel certificates this CA issued")
  .option("--no-strict-channel-certificates", "accept unknown well-formed channel certificates")
  .option("--renewal-window-days <days>",
    "days before expiry that GetCertificateStatus asks for renewal")
  .option("--hsm-module <path>", "PKCS#11 module of an external token (default: embedded SoftHSM2)")
  .option("--hsm-token-label <label>", "label of the token to use")
  .option("--hsm-pin-file <path>", "file holding the token's user PIN")
  .option("--hsm-pin-env <name>", "environment variable holding the token's user PIN")
  .option("--http-host <host>", "interface of the HTTP listeners (default: --host)")
  .option("--http-port <port>", "plain HTTP port: CRL, OCSP, CA certificate (default 58880)")
  .option("--https-port <port>", "HTTPS port (default 58843)")
  .option("--public-url <url>", "base URL of CRL, OCSP and CA certificate put in certificates")
  .addOption(new Option("--ocsp-nonce <policy>", "OCSP requests with a nonce (default sign)")
    .choices(["sign", "ignore"]))
  .addOption(new Option("--log-level <level>", "log level")
    .choices(["fatal", "error", "warn", "info", "debug", "trace", "silent"]))
  .action(startCommand);

addAdminCommands(program);
addEstCommands(program);
addPushCommands(program);

program.command("audit").description("the signed audit trail")
  .command("verify")
  .description("check that no audit entry was altered, removed, reordered or forged")
  .option("--data-dir <dir>", "data directory of the GDS", "./data")
  .option("--public-key <file>", "a copy of audit-key.pem kept away from the data directory")
  .action(auditVerifyCommand);

await program.parseAsync(process.argv);
// Client commands are done here; node-opcua may keep timers alive that would hold the process.
if (process.argv[2] !== "start") process.exit(process.exitCode ?? 0);
