import { createReadStream } from 'node:fs';
import type { FastifyReply } from 'fastify';

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
  if (!range) return reply.code(200).header('content-length', String(size)).send(createReadStream(file));
  return reply
    .code(206)
    .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
    .header('content-length', String(range.end - range.start + 1))
    .send(createReadStream(file, { start: range.start, end: range.end }));
}
