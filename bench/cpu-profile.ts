import { mkdir, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { join } from "node:path";

/**
 * Runs `operation`; with BENCH_CPU_PROFILE=<dir> set, records a V8 CPU profile of this process
 * meanwhile and writes it to <dir>/<name>.cpuprofile (open it in Chrome DevTools). Unlike
 * `node --cpu-prof` it covers only the timed work, not the preparation around it.
 */
export async function profiled<T>(name: string, operation: () => Promise<T>): Promise<T> {
  const directory = process.env.BENCH_CPU_PROFILE;
  if (!directory) return operation();

  const session = new Session();
  session.connect();
  try {
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 200 });
    await session.post("Profiler.start");
    const result = await operation();
    const { profile } = await session.post("Profiler.stop");
    await mkdir(directory, { recursive: true });
    await writeFile(join(directory, `${name}.cpuprofile`), JSON.stringify(profile));
    return result;
  } finally {
    session.disconnect();
  }
}
