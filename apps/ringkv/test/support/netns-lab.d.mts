/** Types of netns-lab.mjs (plain JS so the benchmark script runs it under Node without a build). */
import type { ChildProcess, SpawnOptions } from 'node:child_process';

export declare const lanDelayMs: number;
export declare const wanDelayMs: number;
export declare function removeLeftovers(): number;
export declare function labUnavailable(): string | undefined;

export interface LabMachine {
  readonly ns: string;
  readonly address: string;
}

export declare class NetLab {
  constructor(options: { dcs: 1 | 2; machinesPerDc: number });
  readonly dcs: 1 | 2;
  readonly machinesPerDc: number;
  readonly prefix: string;
  readonly lanDelay: boolean;
  machine(d: number, i: number): LabMachine;
  machines(): (LabMachine & { readonly dc: number; readonly index: number })[];
  build(): Promise<void>;
  wanTraffic(): Promise<{ bytes: number; packets: number }>;
  cut(): void;
  heal(): void;
  spawnIn(ns: string, command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
  destroy(): void;
}
