/** Shared helpers of the engine-level tests. */
import type { Clock } from '../src/index.js';

/**
 * A clock that moves only when told to. Zero-delay timers (the engine's way of
 * yielding to the event loop) fire on a microtask so background work never
 * waits for `advance`.
 */
export class ManualClock implements Clock {
  private now = 1_700_000_000_000;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];

  nowMs(): number {
    return this.now;
  }

  setTimer(delayMs: number, callback: () => void): () => void {
    const t = { at: this.now + delayMs, fn: callback, live: true };
    if (delayMs <= 0) {
      queueMicrotask(() => {
        if (t.live) {
          t.live = false;
          callback();
        }
      });
    } else {
      this.timers.push(t);
    }
    return () => {
      t.live = false;
    };
  }

  advance(ms: number): void {
    this.now += ms;
    const due = this.timers.filter((t) => t.live && t.at <= this.now);
    this.timers = this.timers.filter((t) => t.live && t.at > this.now);
    for (const t of due) {
      t.live = false;
      t.fn();
    }
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();
export const b = (s: string): Uint8Array => enc.encode(s);
export const s = (x: Uint8Array | undefined): string | undefined => (x === undefined ? undefined : dec.decode(x));

/** Drains an engine iterable into [key, value] strings. */
export function strings(it: Iterable<[Uint8Array, Uint8Array]>): [string, string][] {
  return [...it].map(([k, v]) => [dec.decode(k), dec.decode(v)]);
}
