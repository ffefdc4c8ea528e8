/**
 * Why a target is missed, by target name, from the diagnosis of the last runs. BENCHMARKS.md shows a
 * reason only next to a target this run missed.
 */
export const MISS_REASONS: Readonly<Record<string, string>> = {};
