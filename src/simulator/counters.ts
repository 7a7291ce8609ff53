import { endpointNames, type EndpointName } from "./endpoints.ts";

/** What the simulator has seen and done since it started (or since the last reset). */
export interface CounterSnapshot {
  /** Requests that reached each endpoint, whatever the answer. */
  requests: Record<EndpointName, number>;
  /** Answers per endpoint and HTTP status, e.g. `responses.dequeue["204"]`. */
  responses: Record<EndpointName, Record<string, number>>;
  /** 429 answers from the throttle (token bucket). */
  throttled: number;
  /** Requests that arrived before a Retry-After announced to the same client had expired, sent after it was known (see RetryAfterLedger). */
  early: number;
  /** Requests that arrived too soon but were already in flight when the Retry-After was announced. */
  inFlightAtAnnouncement: number;
  /** Faults injected by rules (status, reset, truncate; latency is not counted). */
  faultsInjected: number;
  tokensIssued: number;
  /** Acks that removed a message. */
  acks: number;
  /** Acks of a message already removed, with its latest pop receipt (answered 200, see docs). */
  repeatedAcks: number;
  /** Acks rejected because the pop receipt was not the latest one (400). */
  staleAcks: number;
  /** Dequeues that handed out a message that had been dequeued before. */
  redeliveries: number;
  /** Downloads whose body was sent in full. */
  downloads: number;
  /** Downloads that started but did not finish (client hung up, or a reset/truncate fault). */
  downloadsAborted: number;
  /** Body bytes written by downloads, finished or not. */
  downloadBytes: number;
  /** Import messages accepted. */
  enqueued: number;
  /** Blob store requests that carried an `Authorization` header (all refused): a token leaking to a SAS URL. */
  blobAuthorizationAttempts: number;
  /** Blobs uploaded with PUT. */
  blobUploads: number;
  /** Blob GETs whose body was sent in full. */
  blobDownloads: number;
}

type Tally = Exclude<keyof CounterSnapshot, "requests" | "responses">;

export class Counters {
  #snapshot = Counters.#empty();

  request(endpoint: EndpointName): void {
    this.#snapshot.requests[endpoint]++;
  }

  response(endpoint: EndpointName, status: number): void {
    const byStatus = this.#snapshot.responses[endpoint];
    byStatus[status] = (byStatus[status] ?? 0) + 1;
  }

  add(tally: Tally, amount = 1): void {
    this.#snapshot[tally] += amount;
  }

  /** A deep copy: callers may keep it while the simulator goes on counting. */
  snapshot(): CounterSnapshot {
    return structuredClone(this.#snapshot);
  }

  reset(): void {
    this.#snapshot = Counters.#empty();
  }

  static #empty(): CounterSnapshot {
    const perEndpoint = <T>(make: () => T) =>
      Object.fromEntries(endpointNames.map((name) => [name, make()])) as Record<EndpointName, T>;
    return {
      requests: perEndpoint(() => 0),
      responses: perEndpoint(() => ({})),
      throttled: 0,
      early: 0,
      inFlightAtAnnouncement: 0,
      faultsInjected: 0,
      tokensIssued: 0,
      acks: 0,
      repeatedAcks: 0,
      staleAcks: 0,
      redeliveries: 0,
      downloads: 0,
      downloadsAborted: 0,
      downloadBytes: 0,
      enqueued: 0,
      blobAuthorizationAttempts: 0,
      blobUploads: 0,
      blobDownloads: 0,
    };
  }
}
