// The text suggester's limits, as perch.h defines them (PERCH_SUGGEST_*): the engine, the CLI and
// perch-server accept the same ranges. test/suggest_limits.test.mjs checks these lines against
// src/perch/c_api/perch.h, so the two cannot drift.
export const SUGGEST_COUNT_MIN = 1;
export const SUGGEST_COUNT_MAX = 16;
export const SUGGEST_COUNT_DEFAULT = 3;
export const SUGGEST_MAX_WORDS_MIN = 0;
export const SUGGEST_MAX_WORDS_MAX = 8;
export const SUGGEST_MAX_WORDS_DEFAULT = 2;
/** The ghost-text show threshold when the model does not say (remote placement). */
export const SUGGEST_SHOW_THRESHOLD_DEFAULT = 0.4;
