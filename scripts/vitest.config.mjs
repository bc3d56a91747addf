import { defineProject } from 'vitest/config';

// Tests of the repository's own tooling (the layering lint).
export default defineProject({
  test: { name: 'scripts', include: ['*.test.mjs'] },
});
