import { z } from 'zod';
import { Permission } from '../../identity/permissions.ts';
import { requires } from '../../platform/http/access.ts';
import type { App } from '../../platform/http/app.ts';
import { Id } from '../../network/network.schema.ts';
import type { ExportService } from './export.service.ts';
import { sendFileRange } from './http-range.ts';
import type { PlaybackService } from './playback.service.ts';
import { SEGMENT_CONTENT_TYPES, type SegmentContainer } from './segment-format.ts';
import type { TimeRange } from './timeline.ts';

// Recorded video over HTTP: the timeline of a period, playback of any range as one seekable MP4, and
// evidence exports. Scope and audit are the services' business; a camera outside the caller's scope
// answers 404 like a missing one. Playback and download take `?token=` too, since a <video> or <a>
// element can't send an Authorization header.

const tags = ['video'];
const PLAYBACK = { access: requires(Permission.VideoPlayback) };
const EXPORT = { access: requires(Permission.VideoExport) };

const Instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with a zone, e.g. 2025-03-01T10:00:00Z' }).transform((s) => new Date(s));
const CameraParams = z.strictObject({ id: Id });
const ExportParams = z.strictObject({ id: z.uuid() });
const Period = z.strictObject({ from: Instant, to: Instant });
const Token = z.string().max(4096).optional();
// Text that reaches the database: PostgreSQL refuses NUL in text, so it is refused here as a 400.
const Reason = z.string().max(1000).refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');

const RangeJson = z.object({ from: z.string(), to: z.string() });
const TimelineJson = z.object({ ranges: z.array(RangeJson), gaps: z.array(RangeJson), segments: z.number() });
const ExportJson = z.object({
  id: z.string(),
  cameraId: z.string(),
  from: z.string(),
  to: z.string(),
  status: z.enum(['pending', 'running', 'done', 'failed']),
  progress: z.number(),
  bytes: z.number().nullable(),
  sha256: z.string().nullable(),
  error: z.string().nullable(),
  reason: z.string().nullable(),
  requestedBy: z.string(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});

const iso = (ranges: TimeRange[]) => ranges.map((r) => ({ from: r.from.toISOString(), to: r.to.toISOString() }));

export function registerRecordingRoutes(app: App, deps: { playback: PlaybackService; exports: ExportService }): void {
  const { playback, exports } = deps;

  app.get('/api/cameras/:id/timeline', {
    config: PLAYBACK,
    schema: {
      tags,
      summary: 'What a camera recorded in a period: merged ranges, the gaps between them, and the segment count. Gaps end now.',
      params: CameraParams,
      querystring: Period,
      response: { 200: TimelineJson },
    },
  }, async (req) => {
    const t = await playback.timeline(req.actor, req.params.id, req.query.from, req.query.to);
    return { ranges: iso(t.ranges), gaps: iso(t.gaps), segments: t.segments };
  });

  app.get('/api/cameras/:id/playback.mp4', {
    config: { ...PLAYBACK, tokenInQuery: true },
    schema: {
      tags,
      summary: 'Recorded video of exactly [from, to) as one MP4 (stream copy, faststart), with byte ranges for seeking. '
        + 'Time in the file is from + t; gaps hold the last frame. X-Recorded-Ranges lists the recorded parts.',
      params: CameraParams,
      querystring: Period.extend({ token: Token }),
    },
  }, async (req, reply) => {
    const range = req.headers.range;
    const file = await playback.playback(req.actor, req.params.id, req.query.from, req.query.to, range);
    return sendFileRange(reply, range, file.file, file.bytes, {
      contentType: 'video/mp4',
      headers: {
        // The file for a range only changes when its segments do, and then its name changes too.
        'cache-control': 'private, max-age=3600',
        'x-recorded-ranges': iso(file.recorded).map((r) => `${r.from}/${r.to}`).join(','),
      },
    });
  });

  app.get('/api/cameras/:id/playback.m3u8', {
    config: { ...PLAYBACK, tokenInQuery: true },
    schema: {
      tags,
      summary: 'HLS VOD playlist over the stored segments of [from, to): starts at once, however long the range. '
        + 'Fragmented MP4 segments (HLS version 6): each file is one media segment by EXT-X-BYTERANGE, its init segment by EXT-X-MAP '
        + 'where that changes; gaps and new streams are discontinuities with their wall-clock time. Legacy MPEG-TS segments are listed whole. '
        + 'Segment URIs carry the same ?token= when one was given (players without headers).',
      params: CameraParams,
      querystring: Period.extend({ token: Token }),
    },
  }, async (req, reply) => {
    const { from, to, token } = req.query;
    const suffix = token ? `?token=${encodeURIComponent(token)}` : '';
    const playlist = await playback.hlsPlaylist(req.actor, req.params.id, from, to, (segmentId, container) => `segments/${segmentId}.${container}${suffix}`);
    return reply.header('cache-control', 'private, no-store').type('application/vnd.apple.mpegurl').send(playlist);
  });

  app.get('/api/cameras/:id/segments/:segment', {
    config: { ...PLAYBACK, tokenInQuery: true },
    schema: {
      tags,
      summary: 'One stored recording segment as named by playback.m3u8, with byte ranges: <id>.mp4 (fragmented MP4, video/mp4, '
        + 'its fragments\' decode times moved to the segment\'s wall-clock start, Unix epoch = 0, so segments play as one timeline) '
        + 'or, for segments recorded by earlier versions, <id>.ts (MPEG-TS, video/mp2t, as stored). Only the extension of the stored file answers; the other is a 404.',
      params: CameraParams.extend({ segment: z.string().regex(/^\d{1,15}\.(mp4|ts)$/, 'must be <segment id>.mp4 or <segment id>.ts') }),
      querystring: z.strictObject({ token: Token }),
    },
  }, async (req, reply) => {
    const range = req.headers.range;
    const [id, ext] = req.params.segment.split('.');
    const container = ext as SegmentContainer;
    const file = await playback.segment(req.actor, req.params.id, Number(id), container);
    // A segment never changes once written.
    return sendFileRange(reply, range, file.file, file.bytes, {
      contentType: SEGMENT_CONTENT_TYPES[container],
      headers: { 'cache-control': 'private, max-age=86400, immutable' },
      patches: file.patches,
    });
  });

  app.post('/api/cameras/:id/exports', {
    config: EXPORT,
    schema: {
      tags,
      summary: 'Export a period as one MP4 for evidence. Runs in the background: poll GET /api/exports/{id}. A reason is required and audited.',
      params: CameraParams,
      body: z.strictObject({ from: Instant, to: Instant, reason: Reason }),
      response: { 202: ExportJson },
    },
  }, async (req, reply) => reply.code(202).send(await exports.request(req.actor, req.params.id, req.body)));

  app.get('/api/exports/:id', {
    config: EXPORT,
    schema: { tags, summary: 'State of an export: status, progress 0..1, size and SHA-256 when done.', params: ExportParams, response: { 200: ExportJson } },
  }, async (req) => exports.status(req.actor, req.params.id));

  app.get('/api/exports/:id/download', {
    config: { ...EXPORT, tokenInQuery: true },
    schema: {
      tags,
      summary: 'The exported MP4. X-Content-SHA256 (hex) and Repr-Digest carry its SHA-256, as recorded when it was made.',
      params: ExportParams,
      querystring: z.strictObject({ token: Token }),
    },
  }, async (req, reply) => {
    const range = req.headers.range;
    const file = await exports.download(req.actor, req.params.id);
    return sendFileRange(reply, range, file.file, file.bytes, {
      contentType: 'video/mp4',
      headers: {
        'content-disposition': `attachment; filename="${file.filename}"`,
        'x-content-sha256': file.sha256,
        'repr-digest': `sha-256=:${Buffer.from(file.sha256, 'hex').toString('base64')}:`,
        'cache-control': 'private, no-store',
      },
    });
  });
}
