// The Open Inference Protocol v2 (KServe v2 / Triton REST): health, server and model metadata,
// and infer with JSON tensors. A task model `NAME` takes a BYTES input "text" (one string per
// batch row) and answers with task outputs; `NAME.graph` (and any model without a task) exposes
// the raw graph: its declared inputs and outputs (FP32 / FP16 / INT32 / INT8 / UINT8); a request
// may send any protocol datatype, converted where the values fit.
#pragma once
#include <httplib.h>

#include "server/server_context.h"

namespace perch_server {

void register_v2_routes(httplib::Server& server, ServerContext& ctx);

}  // namespace perch_server
