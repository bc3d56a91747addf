import { configDefaults } from 'vitest/config';
import { packageProject } from '../../vitest.shared.js';
import { simFiles } from './vitest.sim.config.js';

/** node-server's files in the root run but those of `vitest.sim.config.ts` (which says why). */
export default packageProject('node-server', { exclude: [...configDefaults.exclude, ...simFiles] });
