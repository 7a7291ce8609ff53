/**
 * An answer's body, read once. Its chunks are borrowed: a download agent's connection reads into one reused
 * buffer (download-agent.ts), so a chunk is valid only until `onChunk` returns, or until the promise it returned
 * settles; whoever keeps bytes copies them.
 */
export interface ResponseBody {
  /**
   * Gives the body's bytes to `onChunk` in order, one call at a time, waiting while a promise it returned is
   * pending. Resolves at the body's end; rejects when the body breaks off, is discarded or aborted, or with
   * `onChunk`'s own error (the connection is then dropped). It settles only once no promise of `onChunk` is
   * pending, so the caller may then reuse whatever `onChunk` wrote to.
   */
  read(onChunk: (chunk: Uint8Array) => void | Promise<void>): Promise<void>;
  /** Gives up the body unread; the connection is dropped unless the body was already complete. */
  discard(): void;
}

/** A web stream's body (a custom fetch's answer) as a ResponseBody. */
export function webStreamBody(stream: ReadableStream<Uint8Array> | null): ResponseBody {
  return {
    async read(onChunk) {
      if (!stream) return;
      const reader = stream.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          const pending = onChunk(value);
          if (pending) await pending;
        }
      } catch (err) {
        await reader.cancel().catch(() => undefined);
        throw err;
      }
    },
    discard: () => void stream?.cancel().catch(() => undefined),
  };
}

/**
 * The first `limit` bytes of a body as text (an error answer's). The rest is read and dropped, so memory stays
 * bounded whatever a server sends, and the connection can carry the next request.
 */
export async function bodyText(body: ResponseBody, limit = 64 * 1024): Promise<string> {
  const parts: Buffer[] = [];
  let kept = 0;
  await body.read((chunk) => {
    if (kept >= limit) return;
    const part = Buffer.from(chunk.subarray(0, limit - kept));
    parts.push(part);
    kept += part.length;
  });
  return Buffer.concat(parts).toString();
}

/**
 * A ResponseBody as a web stream, for callers that pipe a download elsewhere (`FnoClient.download`). Each chunk is
 * copied, since the stream's reader may keep it; the body is read no further while the stream's queue is full.
 */
export function bodyStream(body: ResponseBody): ReadableStream<Uint8Array> {
  let wake: (() => void) | undefined;
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      body
        .read((chunk) => {
          controller.enqueue(chunk.slice());
          if ((controller.desiredSize ?? 0) > 0) return;
          return new Promise<void>((resolve) => (wake = resolve));
        })
        .then(
          // A body already whole when cancelled still ends cleanly, and closing a cancelled stream throws.
          () => {
            if (!cancelled) controller.close();
          },
          (err: unknown) => controller.error(err),
        );
    },
    pull() {
      wake?.();
      wake = undefined;
    },
    cancel() {
      cancelled = true;
      body.discard();
      // The read settles only once onChunk's promise does: a chunk waiting for room is let go.
      wake?.();
    },
  });
}
