/**
 * One signing thread of SigningThreads (pkcs11-signing-threads.ts). Plain JavaScript: a worker
 * cannot load TypeScript through tsx on Node 20. It loads the same PKCS#11 module, which the
 * main thread has already initialised for the whole process (so C_Initialize answers
 * CKR_CRYPTOKI_ALREADY_INITIALIZED here), and signs in sessions the main thread opened and
 * logged in. It never finalizes the module: that is the main thread's, after this thread ends.
 */
import pkcs11js from "pkcs11js";
import { parentPort, workerData } from "node:worker_threads";

const pkcs11 = new pkcs11js.PKCS11();
pkcs11.load(workerData.modulePath);
try {
  pkcs11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
} catch (error) {
  if (!(error instanceof pkcs11js.Pkcs11Error)
    || !error.message.startsWith("CKR_CRYPTOKI_ALREADY_INITIALIZED")) throw error;
}

const mechanism = { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS };

parentPort.on("message", ({ id, session, key, data, length }) => {
  try {
    const sessionHandle = Buffer.from(session);
    pkcs11.C_SignInit(sessionHandle, mechanism, Buffer.from(key));
    const signature = pkcs11.C_Sign(sessionHandle, Buffer.from(data), Buffer.alloc(length));
    parentPort.postMessage({ id, signature });
  } catch (error) {
    // Only the Cryptoki code travels: nothing secret is in it.
    const code = error instanceof pkcs11js.Pkcs11Error ? error.message.split(":")[0] : "failed";
    parentPort.postMessage({ id, error: code });
  }
});
