/**
 * A clock that moves only when something sleeps on it, for clients the CLI builds itself: the test file
 * replaces the client class with `onVirtualClock(...)` through `vi.mock`, so every backoff, Retry-After and
 * pacing wait the CLI's client takes is recorded and passes at once instead of in real time. Imports nothing
 * from src/, so a `vi.mock` factory can load it while the mocked module is being loaded.
 */
export interface VirtualClock {
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Every wait asked for, in order. */
  readonly slept: number[];
  /** Virtual milliseconds passed since the clock was made. */
  elapsed: () => number;
}

export function virtualClock(start = Date.now()): VirtualClock {
  let now = start;
  const slept: number[] = [];
  return {
    now: () => now,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      slept.push(ms);
      now += ms;
      // Yields to the event loop as a real timer would, so sockets and servers in this process keep running.
      await new Promise((resolve) => setImmediate(resolve));
    },
    slept,
    elapsed: () => now - start,
  };
}

/** The one clock of a test file's mocked clients. */
export const clock = virtualClock();

/** `Client`, with `clock` as its `now` and `sleep` unless the caller passes its own. */
export function onVirtualClock<Client extends new (options: never) => object>(Client: Client): Client {
  // A class that extends a generic constructor must see it as taking `any[]` (TS2545); its one argument is an options object.
  const Base = Client as unknown as new (...args: any[]) => object;
  return class extends Base {
    constructor(options: object) {
      super({ now: clock.now, sleep: clock.sleep, ...options });
    }
  } as unknown as Client;
}

/** For a `vi.mock` factory: the original module, its class `name` on the clock. */
export async function moduleOnVirtualClock(original: () => Promise<Record<string, unknown>>, name: string): Promise<Record<string, unknown>> {
  const actual = await original();
  return { ...actual, [name]: onVirtualClock(actual[name] as new (options: never) => object) };
}
