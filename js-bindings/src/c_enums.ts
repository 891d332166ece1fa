// The C ABI's enums (src/perch/c_api/perch.h), by value: copied by hand, and checked against the
// header by test/c_enums.test.mjs (each C name turned into its JS name: PERCH_INVALID_UTF8 is
// 'InvalidUtf8', PERCH_F32 is 'f32').
import type { DTypeName } from './backend.js';

/** perch_status: the EngineError codes (`e.code`), index = status value. */
export const STATUS_NAMES = ['Ok', 'InvalidArgument', 'InvalidModel', 'Unsupported', 'OutOfRange', 'InvalidUtf8', 'OutOfMemory', 'Internal'] as const;

/** The dtype codes (PERCH_F32 …), index = code. */
export const DTYPES: readonly DTypeName[] = ['f32', 'f16', 'i32', 'i8', 'u8'];

/** PERCH_MAX_RANK: dims arrays passed to the C ABI hold this many entries. */
export const MAX_RANK = 6;
