// ringkv: the node app and command line (`ringkv start|dev|status|repair|plan|leave|remove|cleanup|get|put|del|bench`); this entry exposes its parts for embedding and tests.
export { main, errorLine } from './main.js';
export { parseCommand, parseDuration, parseMix, parseSeeds, checkUrl, usage } from './args.js';
export type {
  AdminTarget,
  BenchCommand,
  CleanupCommand,
  Command,
  DevCommand,
  StatusCommand,
  DelCommand,
  GetCommand,
  HelpCommand,
  LeaveCommand,
  PlanCommand,
  PutCommand,
  RemoveCommand,
  RepairCommand,
  StartCommand,
} from './args.js';
export { resolveStartConfig, hostnameId } from './config.js';
export type { ClusterConfig, StartConfig, StartEnvironment } from './config.js';
export { startOptionSpecs } from './start-options.js';
export type { StartFlags } from './start-options.js';
export { runBench, benchText } from './commands/bench.js';
export { runDev } from './commands/dev.js';
export { runStatus, statusText, topologyLines, httpOf } from './commands/status.js';
export { runLeave, leaveText, leaveLine } from './commands/leave.js';
export type { LeaveResult, LeaveTiming, TopologyStatus } from './commands/leave.js';
export { runPlan, runRemove, runCleanup, planText, removeText, cleanupText } from './commands/topology.js';
export type { CleanupResult, Plan, PlanMove, RemoveResult } from './commands/topology.js';
export { adminToken } from './commands/admin-http.js';
export type { StreamProgress } from './format.js';
export type { ClusterView, StatusRow } from './commands/status.js';
export type { BenchResult, LatencySummary } from './commands/bench.js';
export { getText, getJson, valueText, bytesText, countText, percentText, streamText } from './format.js';
export { CliError, isCliError } from './errors.js';
export type { CliErrorCode } from './errors.js';
export { processIo } from './io.js';
export type { Io } from './io.js';
export * from './limits.js';
