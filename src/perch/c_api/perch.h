/* perch C ABI: the only boundary JS (and any other language) sees. Opaque handles, status codes
 * (equal to perch::StatusCode), a thread-local last-error message, no exceptions. Every function
 * accepts NULL handles/pointers and reports PERCH_INVALID_ARGUMENT instead of crashing. */
#ifndef PERCH_C_API_PERCH_H_
#define PERCH_C_API_PERCH_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum perch_status {
  PERCH_OK = 0,
  PERCH_INVALID_ARGUMENT = 1,
  PERCH_INVALID_MODEL = 2,
  PERCH_UNSUPPORTED = 3,
  PERCH_OUT_OF_RANGE = 4,
  PERCH_INVALID_UTF8 = 5,
  PERCH_OUT_OF_MEMORY = 6,
  PERCH_INTERNAL = 7
} perch_status;

/* dtype codes, equal to perch::DType. */
enum { PERCH_F32 = 0, PERCH_F16 = 1, PERCH_I32 = 2, PERCH_I8 = 3, PERCH_U8 = 4 };
/* dims arrays passed to perch_model_*_info must hold this many entries. */
#define PERCH_MAX_RANK 6

typedef struct perch_model perch_model;
typedef struct perch_session perch_session;

/* "0.1.0" */
const char* perch_version(void);
/* The message of the last failed call on this thread ("" when none). Valid until the next
 * failing call on this thread. */
const char* perch_last_error(void);
/* Frees a string returned by a perch function documented as "free with perch_free_string". */
void perch_free_string(char* s);

/* Loads and validates a model; the bytes are copied, the caller may free them afterwards. */
perch_status perch_model_load(const uint8_t* bytes, size_t size, perch_model** out);
void perch_model_free(perch_model* model);
int perch_model_num_inputs(const perch_model* model);  /* -1 on NULL */
int perch_model_num_outputs(const perch_model* model); /* -1 on NULL */
/* name: valid while the model lives. dims: PERCH_MAX_RANK entries; -1 marks a dynamic dim.
 * Any of name/dtype/rank/dims may be NULL when not wanted. */
perch_status perch_model_input_info(const perch_model* model, int index, const char** name, int* dtype, int* rank,
                                    int64_t* dims);
/* Upper bounds of an input's dims (== dims where static). */
perch_status perch_model_input_max_shape(const perch_model* model, int index, int* rank, int64_t* dims);
perch_status perch_model_output_info(const perch_model* model, int index, const char** name, int* dtype, int* rank,
                                     int64_t* dims);
/* Metadata value (valid while the model lives), or NULL when absent. */
const char* perch_model_metadata(const perch_model* model, const char* key);
/* "language-detection", "text-suggestion" or "". */
const char* perch_model_task(const perch_model* model);
size_t perch_model_weight_bytes(const perch_model* model);
size_t perch_model_arena_bytes(const perch_model* model);

/* A session keeps its own reference to the model: the model may be freed first. */
perch_status perch_session_create(const perch_model* model, int num_threads, perch_session** out);
void perch_session_free(perch_session* session);
/* Binds an input to caller memory (not copied): it must stay valid until perch_session_run
 * returns. nbytes must equal the product of dims times the dtype size. */
perch_status perch_session_set_input(perch_session* session, const char* name, int dtype, const int64_t* dims, int rank,
                                     const void* data, size_t nbytes);
perch_status perch_session_run(perch_session* session);
/* A view into the session's memory, valid until the next run or free. dims: PERCH_MAX_RANK. */
perch_status perch_session_get_output(const perch_session* session, const char* name, int* dtype, int* rank,
                                      int64_t* dims, const void** data, size_t* nbytes);
/* KV cache: rows cached, roll back to `rows`, or clear. */
int perch_session_kv_position(const perch_session* session);
perch_status perch_session_kv_truncate(perch_session* session, int rows);
perch_status perch_session_kv_reset(perch_session* session);
int perch_session_num_threads(const perch_session* session);

/* ===== Task APIs =====================================================================
 * Added by the task engineers, implemented in their own src/perch/c_api/<task>.cc files:
 * perch_language_detector_* (language detection) and perch_text_suggester_* (suggestion).
 * Conventions: same status codes, perch_last_error() for messages, NULL-safe, strings returned
 * to the caller are freed with perch_free_string. */

/* Text suggestion (src/perch/tasks/text_suggester.h). A suggester owns a session whose KV cache
 * follows the text between calls, so each keystroke runs only what changed. Not thread-safe. */
typedef struct perch_text_suggester perch_text_suggester;
/* The one definition of the suggestion limits: the C++ suggester, the C ABI, the CLI, perch-server
 * and the JS binding (js-bindings/src/suggest_limits.ts, checked against these lines by a test)
 * accept count in [MIN, MAX] and max_words in [MIN, MAX]; anything else is PERCH_INVALID_ARGUMENT,
 * never silently clamped. */
#define PERCH_SUGGEST_COUNT_MIN 1
#define PERCH_SUGGEST_COUNT_MAX 16
#define PERCH_SUGGEST_COUNT_DEFAULT 3
#define PERCH_SUGGEST_MAX_WORDS_MIN 0
#define PERCH_SUGGEST_MAX_WORDS_MAX 8
#define PERCH_SUGGEST_MAX_WORDS_DEFAULT 2
/* Ghost text: the confidence from which a UI shows the first suggestion, unless the model's
 * perch.decoding says otherwise (show_threshold, tuned by tools/bench/suggest_ghost_tuning.mjs). */
#define PERCH_SUGGEST_SHOW_THRESHOLD_DEFAULT 0.4
perch_status perch_text_suggester_create(const perch_model* model, int num_threads, perch_text_suggester** out);
/* Suggestions for the text typed so far (UTF-8, len bytes; PERCH_INVALID_UTF8 when it is not):
 * *json_out = [{"text":"ing the","confidence":0.41}, ...], best first, at most `count`, each
 * the completion of the current word plus up to max_words more words. Owned by the suggester,
 * valid until its next call or free. */
perch_status perch_text_suggester_suggest(perch_text_suggester* suggester, const char* utf8, size_t len, int count,
                                          int max_words, const char** json_out);
/* The confidence from which a UI shows the first suggestion as ghost text (the model's
 * perch.decoding show_threshold, tuned on held-out text); a suggestion with "replace":true
 * replaces the word being typed ("i" -> "I") and is offered in lists, not as ghost text. */
double perch_text_suggester_show_threshold(const perch_text_suggester* suggester);
/* Learning from the user, on the device (src/perch/tasks/user_phrase_cache.h): learn counts the
 * words and word pairs of a text (UTF-8), later suggestions mix them in; forget drops them all;
 * export writes them as JSON (*json_out owned by the suggester, valid until its next call),
 * import replaces them by such a JSON (PERCH_INVALID_ARGUMENT when it is not one). */
perch_status perch_text_suggester_learn(perch_text_suggester* suggester, const char* utf8, size_t len);
void perch_text_suggester_forget(perch_text_suggester* suggester);
perch_status perch_text_suggester_export_learned(perch_text_suggester* suggester, const char** json_out);
perch_status perch_text_suggester_import_learned(perch_text_suggester* suggester, const char* utf8, size_t len);
void perch_text_suggester_free(perch_text_suggester* suggester);

/* Language detection (src/perch/tasks/language_detector.h). Not thread-safe. */
typedef struct perch_language_detector perch_language_detector;
perch_status perch_language_detector_create(const perch_model* model, int num_threads, perch_language_detector** out);
/* Languages of the text (UTF-8, len bytes, at most 1 MiB; PERCH_INVALID_UTF8 when it is not UTF-8):
 * *json_out = [{"detectedLanguage":"fr","confidence":0.97},...,{"detectedLanguage":"und",...}]:
 * the W3C API's list (language_detector.h): languages in descending confidence until they reach
 * 0.99 together or the next is below the unknown score (at most top_k >= 1), then "und" with the
 * rest; no listed language below "und"; the confidences sum to 1. Text without letters gives
 * [{"detectedLanguage":"und","confidence":1}]. Owned by the detector, valid until its next call
 * or free. */
perch_status perch_language_detector_detect(perch_language_detector* detector, const char* utf8, size_t len, int top_k,
                                            const char** json_out);
/* The same answer without JSON or strings, for bindings that call it per keystroke (no allocation
 * per call): entry i is labels_out[i] (an index for perch_language_detector_label, or -1 for
 * "und") and confidences_out[i] (rounded down to 4 decimals, the value the JSON prints). Writes
 * *count_out entries, at most min(top_k, labels) + 1; capacity must be at least that
 * (PERCH_INVALID_ARGUMENT otherwise). */
perch_status perch_language_detector_detect_scores(perch_language_detector* detector, const char* utf8, size_t len,
                                                   int top_k, int32_t* labels_out, double* confidences_out,
                                                   int capacity, int* count_out);
/* The languages the caller expects (BCP 47 base tags, comma-separated: "en,fr-CA"; NULL or "" =
 * none): they get the largest prior in every later detect. Unknown tags are ignored. */
perch_status perch_language_detector_set_expected_languages(perch_language_detector* detector, const char* tags);
/* The model's labels (read once at create by a binding): count, and label i (NULL when out of range). */
int perch_language_detector_num_labels(const perch_language_detector* detector);
const char* perch_language_detector_label(const perch_language_detector* detector, int index);
void perch_language_detector_free(perch_language_detector* detector);

/* ===== end of task APIs ============================================================= */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PERCH_C_API_PERCH_H_ */
