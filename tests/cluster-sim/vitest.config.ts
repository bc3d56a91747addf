import { computeGroup, packageProject } from '../../vitest.shared.js';

export default packageProject('cluster-sim', computeGroup);
