import { VirtualClock } from "../support/virtual-clock.ts";

/**
 * The test file's one virtual clock (test/support/virtual-clock.ts), for clients the CLI builds itself: the
 * file replaces the client class with `onVirtualClock(...)` through `vi.mock`, so every backoff, Retry-After
 * and pacing wait the CLI's client takes is recorded and passes without real time. Time moves by itself
 * whenever the process is idle.
 */
export const clock = new VirtualClock();
clock.autoAdvance();

/** `Client`, with `clock` as its `now` and `sleep` unless the caller passes its own. */
export function onVirtualClock<Client extends new (options: never) => object>(Client: Client): Client {
  // A class that extends a generic constructor must see it as taking `any[]` (TS2545); its one argument is an options object.
  const Base = Client as unknown as new (...args: any[]) => object;
  return class extends Base {
    constructor(options: object) {
      super({ now: () => clock.now(), sleep: (ms: number, signal?: AbortSignal) => clock.sleep(ms, signal), ...options });
    }
  } as unknown as Client;
}

/** For a `vi.mock` factory: the original module, its class `name` on the clock. */
export async function moduleOnVirtualClock(original: () => Promise<Record<string, unknown>>, name: string): Promise<Record<string, unknown>> {
  const actual = await original();
  return { ...actual, [name]: onVirtualClock(actual[name] as new (options: never) => object) };
}
