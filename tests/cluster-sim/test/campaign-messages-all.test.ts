/**
 * CI campaign slice (issue 8): the profiles `messages` and `all`, seeds from
 * 30000, every checker after every seed. Split over three files so vitest
 * runs them on both cores. `SEED=…` replays one seed of each profile.
 */
import { campaignSlice } from './support.js';

campaignSlice(['messages', 'all'], 30000);
