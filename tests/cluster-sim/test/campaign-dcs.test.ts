/**
 * CI campaign slice (issue 14): the `dcs` profile, a two-DC cluster with WAN
 * links whose nemesis partitions whole DCs, isolates and kills nodes and
 * delays links; seeds from 40000, every checker after every seed. `SEED=…`
 * replays one seed.
 */
import { campaignSlice } from './support.js';

campaignSlice(['dcs'], 40000);
