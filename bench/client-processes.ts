import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { FromChild, ToChild } from "./enrolment-child.js";
import { withTimeout } from "./rounds.js";

type Answer<T extends FromChild["type"]> = Extract<FromChild, { type: T }>;

// node-opcua's certificate managers set OPENSSL_CONF to "undefined" in this process once they
// initialise; children get the value from before that.
const startupOpensslConf = process.env.OPENSSL_CONF;

/** The enrolment client processes, driven in lock-step: a message to all, every answer. */
export class ClientProcesses {
  private constructor(
    private readonly children: ChildProcess[],
    private readonly stepTimeoutMs: number,
  ) {}

  static start(count: number, stepTimeoutMs: number): ClientProcesses {
    const env = { ...process.env };
    if (startupOpensslConf === undefined) delete env.OPENSSL_CONF;
    else env.OPENSSL_CONF = startupOpensslConf;
    const script = fileURLToPath(new URL("./enrolment-child.ts", import.meta.url));
    const children = Array.from({ length: count }, () => fork(script, [], {
      execArgv: ["--import", "tsx"],
      env,
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }));
    return new ClientProcesses(children, stepTimeoutMs);
  }

  /** Sends each child its message (index -> message) and resolves to every answer. */
  async all<T extends FromChild["type"]>(
    message: (index: number) => ToChild,
    expected: T,
  ): Promise<Answer<T>[]> {
    const answers = this.children.map((child, index) =>
      exchange(child, message(index), expected));
    return withTimeout(Promise.all(answers), this.stepTimeoutMs, `client processes: ${expected}`);
  }

  /** Asks every child to close its session and exit; kills those that do not. */
  async stop(): Promise<void> {
    try {
      await withTimeout(Promise.all(this.children
        .filter((child) => child.exitCode === null && child.connected)
        .map((child) => exchange(child, { type: "close" }, "closed"))), 30_000, "closing");
    } finally {
      for (const child of this.children) if (child.exitCode === null) child.kill();
    }
  }
}

/** Sends one message and waits for the answer of the expected type. */
function exchange<T extends FromChild["type"]>(
  child: ChildProcess,
  message: ToChild,
  expected: T,
): Promise<Answer<T>> {
  return new Promise((resolve, reject) => {
    const onMessage = (answer: FromChild) => {
      cleanUp();
      if (answer.type === expected) resolve(answer as Answer<T>);
      else if (answer.type === "failed") reject(new Error(`client process: ${answer.message}`));
      else reject(new Error(`client process answered ${answer.type}, not ${expected}`));
    };
    const onExit = (code: number | null) => {
      cleanUp();
      reject(new Error(`client process exited (${code}) before answering ${message.type}`));
    };
    const cleanUp = () => {
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
    child.send(message);
  });
}
