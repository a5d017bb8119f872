#!/usr/bin/env node
// Runs the TypeScript sources directly, so a checkout needs no build step before the CLI works.
// HSM signatures run in libuv's thread pool; the default four threads would all be taken by the
// token's sessions, leaving none for file I/O. Set before anything touches the pool.
process.env.UV_THREADPOOL_SIZE ||= "8";

const { register } = await import("tsx/esm/api");
register();
await import("../src/cli/main.ts");
