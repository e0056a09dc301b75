/**
 * Benchmark task graphs for tests. The few that ordinary tests read are in the repository
 * (test/fixtures/benchmarks, see its SOURCES.md); the whole set is opt-in: `ORDO_BENCHMARKS` names a directory
 * laid out the same way, and tests over every graph skip without it. No test reads outside the repository.
 */
import { benchmarksDir, repoPath } from '../../src/paths.js';

/** The graphs kept in the repository. */
export const FIXTURE_BENCHMARKS = repoPath('test', 'fixtures', 'benchmarks');

/** The whole set ($ORDO_BENCHMARKS), or undefined. */
export const FULL_BENCHMARKS: string | undefined = benchmarksDir();

/** `skip` for a test over the whole set: false when ORDO_BENCHMARKS is set, else the reason. */
export const NEEDS_FULL_SET: false | string =
  FULL_BENCHMARKS === undefined && 'opt-in: set ORDO_BENCHMARKS to a directory laid out like test/fixtures/benchmarks with the whole set';
