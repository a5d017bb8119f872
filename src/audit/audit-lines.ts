import { createReadStream } from "node:fs";
import type { FileHandle } from "node:fs/promises";

export interface FileLine {
  /** 1-based. */
  number: number;
  text: string;
  /** False only for a last line with no newline: a torn write or a cut file. */
  terminated: boolean;
}

const newline = 0x0a;

/**
 * The lines of a file, streamed, so that verifying a long trail does not hold it in memory.
 * Splits on bytes before decoding, so a UTF-8 character across two chunks stays whole.
 */
export async function* readLines(path: string): AsyncGenerator<FileLine> {
  let pending = Buffer.alloc(0);
  let number = 0;
  for await (const chunk of createReadStream(path)) {
    let data = Buffer.concat([pending, chunk as Buffer]);
    let end = data.indexOf(newline);
    while (end !== -1) {
      number += 1;
      yield { number, text: data.subarray(0, end).toString("utf8"), terminated: true };
      data = data.subarray(end + 1);
      end = data.indexOf(newline);
    }
    pending = Buffer.from(data);
  }
  if (pending.length > 0) {
    yield { number: number + 1, text: pending.toString("utf8"), terminated: false };
  }
}

export interface FileTail {
  /** Up to `count` complete lines, oldest first; line numbers are unknown from the end. */
  lines: string[];
  /** The bytes after the last newline; empty when the file ends cleanly. */
  unterminated: string;
}

const chunkSize = 64 * 1024;

/**
 * The last `count` lines, read backwards from the end, so that opening a long trail costs
 * the same as opening a short one.
 */
export async function readLastLines(handle: FileHandle, count: number): Promise<FileTail> {
  const { size } = await handle.stat();
  let start = size;
  let data = Buffer.alloc(0);
  // Enough newlines for `count` complete lines plus the one that starts the oldest of them.
  while (start > 0 && countNewlines(data) <= count) {
    const length = Math.min(chunkSize, start);
    start -= length;
    const chunk = Buffer.alloc(length);
    await handle.read(chunk, 0, length, start);
    data = Buffer.concat([chunk, data]);
  }

  const lastNewline = data.lastIndexOf(newline);
  const unterminated = data.subarray(lastNewline + 1).toString("utf8");
  if (lastNewline === -1) return { lines: [], unterminated };

  const lines = data.subarray(0, lastNewline).toString("utf8").split("\n");
  // Unless the read reached the start of the file, its first piece is a partial line.
  if (start > 0) lines.shift();
  return { lines: lines.slice(-count), unterminated };
}

function countNewlines(data: Buffer): number {
  let count = 0;
  for (let at = data.indexOf(newline); at !== -1; at = data.indexOf(newline, at + 1)) count += 1;
  return count;
}
