#!/usr/bin/env node
// The `ringkv` binary: see main.ts. Exits with main's code unless a node is running.
import { processIo } from './io.js';
import { main } from './main.js';

const code = await main(process.argv.slice(2), processIo);
if (code !== 'running') process.exitCode = code;
