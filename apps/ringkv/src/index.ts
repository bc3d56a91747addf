// ringkv: the node app and command line (`ringkv start|get|put|del|bench`); this entry exposes its parts for embedding and tests.
export { main, errorLine } from './main.js';
export { parseCommand, parseDuration, parseMix, checkUrl, usage } from './args.js';
export type { BenchCommand, Command, DelCommand, GetCommand, HelpCommand, PutCommand, StartCommand } from './args.js';
export { resolveStartConfig, hostnameId } from './config.js';
export type { StartConfig, StartEnvironment } from './config.js';
export { startOptionSpecs } from './start-options.js';
export type { StartFlags } from './start-options.js';
export { runBench, benchText } from './commands/bench.js';
export type { BenchResult, LatencySummary } from './commands/bench.js';
export { getText, getJson, valueText } from './format.js';
export { CliError, isCliError } from './errors.js';
export type { CliErrorCode } from './errors.js';
export { processIo } from './io.js';
export type { Io } from './io.js';
export * from './limits.js';
