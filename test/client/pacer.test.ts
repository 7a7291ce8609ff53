import { describe, expect, it } from "vitest";
import { Pacer } from "../../src/client/pacer.ts";

describe("Pacer", () => {
  it("does not pace until the server throttles", () => {
    const pacer = new Pacer();
    for (let t = 0; t < 100; t += 10) {
      expect(pacer.reserve(t)).toBe(0);
      pacer.accepted(t);
    }
    expect(pacer.rate).toBeUndefined();
  });

  it("starts just under the rate the server accepted, and spaces calls by it", () => {
    const pacer = new Pacer({ decrease: 0.9, windowMs: 1000 });
    for (let i = 0; i < 40; i++) pacer.accepted(1000 + i * 25); // 40 accepted in the last second
    pacer.throttled(2000, 1990);
    expect(pacer.rate).toBeCloseTo(36);
    expect(pacer.reserve(2000)).toBe(0);
    expect(pacer.reserve(2000)).toBeCloseTo(1000 / 36);
    expect(pacer.reserve(2000)).toBeCloseTo(2000 / 36);
  });

  it("lowers the rate once per throttling episode, not for 429s already in flight", () => {
    const pacer = new Pacer({ decrease: 0.5, windowMs: 1000 });
    for (let i = 0; i < 10; i++) pacer.accepted(i * 100);
    pacer.throttled(1000, 990);
    expect(pacer.rate).toBeCloseTo(5);
    pacer.throttled(1010, 995); // sent before the decrease: in flight
    expect(pacer.rate).toBeCloseTo(5);
    pacer.throttled(1500, 1200); // sent after it: a new episode
    expect(pacer.rate).toBeCloseTo(2.5);
  });

  it("raises the rate slowly while no 429 comes", () => {
    const pacer = new Pacer({ decrease: 0.5, increasePerSecond: 1, windowMs: 1000 });
    for (let i = 0; i < 20; i++) pacer.accepted(i * 50);
    pacer.throttled(1000, 999);
    const start = pacer.rate!;
    pacer.accepted(5000);
    expect(pacer.rate).toBeCloseTo(start + 4);
  });
});
