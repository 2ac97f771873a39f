import { availableParallelism } from "node:os";

/**
 * How many test files of the workerd projects run at once: one more than the cores, since a file
 * spends much of its time waiting on workerd in another process (vitest's default, one less than
 * the cores, leaves a 2-core machine running one file at a time). Every such project must give
 * the same number (vitest runs them as one group), so they all take it from here.
 */
export const TEST_FILES_AT_ONCE = availableParallelism() + 1;
