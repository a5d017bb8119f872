import { createReadStream } from "node:fs";
import type { FileHandle } from "node:fs/promises";

export interface FileLine {
  /** 1-based. */
  number: number;
  /** Empty for an overlong line, which is not read. */
  text: string;
  /** False only for a last line with no newline: a torn write or a cut file. */
  terminated: boolean;
  /** Longer than maxLineBytes: no record is, so the line was skipped unread. */
  overlong?: true;
}

const newline = 0x0a;

/**
 * No record comes near this (details are short strings; a record is a few KiB at most). A
 * longer line was written by someone else, and reading it whole would let a line of gigabytes,
 * more than a string can hold, stall or break verify and start-up.
 */
export const maxLineBytes = 1024 * 1024;

/**
 * The lines of a file, streamed, so that verifying a long trail does not hold it in memory.
 * Splits on bytes before decoding, so a UTF-8 character across two chunks stays whole. The
 * pieces of a line are joined once, when its newline arrives, so a long line costs its length.
 */
export async function* readLines(path: string): AsyncGenerator<FileLine> {
  let pieces: Buffer[] = [];
  let pending = 0;
  let overlong = false;
  let number = 0;
  const line = (terminated: boolean): FileLine => {
    number += 1;
    const read: FileLine = overlong
      ? { number, text: "", terminated, overlong: true }
      : { number, text: Buffer.concat(pieces).toString("utf8"), terminated };
    pieces = [];
    pending = 0;
    overlong = false;
    return read;
  };

  for await (const chunk of createReadStream(path)) {
    let data = chunk as Buffer;
    let end = data.indexOf(newline);
    while (end !== -1) {
      keep(data.subarray(0, end));
      yield line(true);
      data = data.subarray(end + 1);
      end = data.indexOf(newline);
    }
    keep(Buffer.from(data));
  }
  if (pending > 0 || overlong) yield line(false);

  function keep(piece: Buffer): void {
    if (overlong || piece.length === 0) return;
    pending += piece.length;
    if (pending > maxLineBytes) {
      overlong = true;
      pieces = [];
    } else {
      pieces.push(piece);
    }
  }
}

export interface FileTail {
  /** Up to `count` complete lines, oldest first; line numbers are unknown from the end. */
  lines: string[];
  /** The bytes after the last newline; empty when the file ends cleanly. */
  unterminated: string;
  /** A line among the last ones is longer than maxLineBytes; lines are then not read. */
  overlong: boolean;
}

const chunkSize = 64 * 1024;

/**
 * The last `count` lines, read backwards from the end, so that opening a long trail costs
 * the same as opening a short one. Newlines are counted per chunk and the chunks joined once.
 */
export async function readLastLines(handle: FileHandle, count: number): Promise<FileTail> {
  const { size } = await handle.stat();
  let start = size;
  const chunks: Buffer[] = [];
  let newlines = 0;
  let read = 0;
  // Enough newlines for `count` complete lines plus the one that starts the oldest of them.
  while (start > 0 && newlines <= count) {
    if (read > (count + 1) * maxLineBytes) return { lines: [], unterminated: "", overlong: true };
    const length = Math.min(chunkSize, start);
    start -= length;
    const chunk = Buffer.alloc(length);
    await handle.read(chunk, 0, length, start);
    chunks.unshift(chunk);
    newlines += countNewlines(chunk);
    read += length;
  }
  const data = Buffer.concat(chunks);

  const lastNewline = data.lastIndexOf(newline);
  const after = data.subarray(lastNewline + 1);
  if (after.length > maxLineBytes) return { lines: [], unterminated: "", overlong: true };
  const unterminated = after.toString("utf8");
  if (lastNewline === -1) return { lines: [], unterminated, overlong: false };

  const lines = data.subarray(0, lastNewline).toString("utf8").split("\n");
  // Unless the read reached the start of the file, its first piece is a partial line.
  if (start > 0) lines.shift();
  const last = lines.slice(-count);
  const overlong = last.some((text) => Buffer.byteLength(text) > maxLineBytes);
  return { lines: overlong ? [] : last, unterminated, overlong };
}

function countNewlines(data: Buffer): number {
  let count = 0;
  for (let at = data.indexOf(newline); at !== -1; at = data.indexOf(newline, at + 1)) count += 1;
  return count;
}
