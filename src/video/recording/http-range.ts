import { createReadStream } from 'node:fs';
import { Transform, pipeline, type Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { BytePatch } from './segment-format.ts';

// Byte ranges (RFC 9110 §14) for files a <video> element seeks in: it asks `bytes=N-` and expects a 206
// with Content-Range. One range per request is all browsers send; a multi-range request gets the whole
// file, which the RFC allows.

export type ByteRange = { start: number; end: number };

/** The range asked for, `null` for the whole file, `'unsatisfiable'` for a range beyond it. */
export function parseRange(header: string | undefined, size: number): ByteRange | null | 'unsatisfiable' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    // bytes=-N: the last N bytes.
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return null;
  }
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

export interface SendFileOptions {
  contentType: string;
  headers?: Record<string, string>;
  /** Bytes served in place of the file's own (same length), e.g. rewritten timestamps. */
  patches?: readonly BytePatch[];
}

/** `range` of `file` (all of it for null), with the patches that fall in it applied. */
function readRange(file: string, range: ByteRange | null, patches: readonly BytePatch[] = []): Readable {
  const stream = createReadStream(file, range ?? {});
  const start = range?.start ?? 0;
  const end = range?.end ?? Infinity;
  const inRange = patches.filter((p) => p.offset <= end && p.offset + p.bytes.length > start);
  if (!inRange.length) return stream;
  let at = start;
  const patch = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const chunkEnd = at + chunk.length;
      for (const p of inRange) {
        const from = Math.max(p.offset, at);
        const to = Math.min(p.offset + p.bytes.length, chunkEnd);
        if (from < to) p.bytes.copy(chunk, from - at, from - p.offset, to - p.offset);
      }
      at = chunkEnd;
      done(null, chunk);
    },
  });
  // Either end failing or closing early (the client went away) closes both, and so the file.
  return pipeline(stream, patch, () => {});
}

/** Sends `file` (of `size` bytes) whole or the range the request asks for. */
export function sendFileRange(reply: FastifyReply, rangeHeader: string | undefined, file: string, size: number, options: SendFileOptions): FastifyReply {
  const range = parseRange(rangeHeader, size);
  reply.header('accept-ranges', 'bytes');
  if (range === 'unsatisfiable') {
    return reply.code(416).header('content-range', `bytes */${size}`).send({ error: 'range_not_satisfiable', message: `range: the file has ${size} bytes` });
  }
  reply.header('content-type', options.contentType);
  for (const [k, v] of Object.entries(options.headers ?? {})) reply.header(k, v);
  if (!range) return reply.code(200).header('content-length', String(size)).send(readRange(file, null, options.patches));
  return reply
    .code(206)
    .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
    .header('content-length', String(range.end - range.start + 1))
    .send(readRange(file, range, options.patches));
}
