/**
 * CI campaign slice (issue 8): the profiles `crashes` and `wipe`, seeds from
 * 20000, every checker after every seed. Split over three files so vitest
 * runs them on both cores. `SEED=…` replays one seed of each profile.
 */
import { campaignSlice } from './support.js';

campaignSlice(['crashes', 'wipe'], 20000);
