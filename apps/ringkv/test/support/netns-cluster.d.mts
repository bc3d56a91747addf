/** Types of netns-cluster.mjs (plain JS so the benchmark script runs it under Node without a build). */
import type { ChildProcess } from 'node:child_process';
import type { RepairSummary } from '../../src/commands/repair.js';
import type { NetLab } from './netns-lab.mjs';

export declare const cli: string;
export declare const startMsMax: number;
export declare const requestMsMax: number;
export declare function until(what: string, limitMs: number, check: () => Promise<boolean>, views?: () => unknown): Promise<void>;

export interface OpError {
  readonly key: string;
  readonly code: string;
  readonly ms?: number;
}

export interface PutAnswer {
  readonly acked: string[];
  readonly errors: OpError[];
  readonly ms: number[];
}

export interface GetAnswer {
  readonly found: string[];
  readonly errors: OpError[];
  readonly ms: number[];
}

export interface NodeStatus {
  readonly cluster?: { readonly members?: readonly { readonly id: string; readonly status: string }[]; readonly down?: readonly unknown[]; readonly hintsPending?: Readonly<Record<string, number>> };
}

export declare class Agent {
  readonly child: ChildProcess;
  put(keys: readonly string[], w: number | string, concurrency?: number): Promise<PutAnswer>;
  get(keys: readonly string[], r: number | string, concurrency?: number): Promise<GetAnswer>;
  http(method: string, url: string): Promise<{ status: number; text: string }>;
  close(): void;
}

export declare class LabCluster {
  constructor(lab: NetLab, options: { replicas: string; r: number; w: number; extra?: readonly string[] });
  readonly token: string;
  id(d: number, i: number): string;
  url(d: number, i: number): string;
  httpUrl(d: number, i: number): string;
  startNode(d: number, i: number, extra?: readonly string[]): Promise<string>;
  startAll(): Promise<void>;
  cli(d: number, i: number, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  killDc(d: number): Promise<void>;
  restartDc(d: number): Promise<void>;
  agent(d: number, i: number): Promise<Agent>;
  status(agent: Agent, d: number, i: number): Promise<NodeStatus | undefined>;
  waitAllUp(agent: Agent, limitMs?: number, machines?: readonly { readonly dc: number; readonly index: number }[]): Promise<void>;
  repair(agent: Agent, d: number, i: number): Promise<RepairSummary>;
  converge(agent: Agent, limitMs?: number): Promise<number>;
  logs(): string;
  stop(): Promise<void>;
}
