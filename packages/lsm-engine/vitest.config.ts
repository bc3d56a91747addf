import { computeGroup, packageProject } from '../../vitest.shared.js';

export default packageProject('lsm-engine', computeGroup);
