// Sends a streamed answer: its content type, the plan's row limit as a
// header, and the row count and truncation as HTTP trailers (chunked
// encoding), since they are known only at the end. stream-format.ts
// documents the formats.
import type { FastifyReply } from 'fastify';
import type { StreamedAnswer } from './query.service.ts';
import { CONTENT_TYPES } from './stream-format.ts';

export const STREAM_LIMIT_HEADER = 'x-tessera-stream-limit';
export const ROW_COUNT_TRAILER = 'x-tessera-row-count';
export const TRUNCATED_TRAILER = 'x-tessera-truncated';

export function sendStream(reply: FastifyReply, { format, stream, maxRows }: StreamedAnswer): FastifyReply {
  return reply
    .type(CONTENT_TYPES[format])
    .header('cache-control', 'no-store')
    .header(STREAM_LIMIT_HEADER, String(maxRows))
    .trailer(ROW_COUNT_TRAILER, async () => String(stream.sent))
    .trailer(TRUNCATED_TRAILER, async () => String(stream.truncated))
    .send(stream);
}

/** Aborts when the client's connection closes before the response is complete (a stream's first batch is then cancelled). */
export function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
