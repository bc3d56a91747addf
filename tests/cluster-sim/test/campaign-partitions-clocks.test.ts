/**
 * CI campaign slice (issue 8): the profiles `partitions` and `clocks`, seeds from
 * 10000, every checker after every seed. Split over three files so vitest
 * runs them on both cores. `SEED=…` replays one seed of each profile.
 */
import { campaignSlice } from './support.js';

campaignSlice(['partitions', 'clocks'], 10000);
