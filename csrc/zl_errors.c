/* zl_errors.c - text for zarrlite C status codes. */
#include "zl.h"

const char *zl_strerror(int status) {
  switch (status) {
  case ZL_OK:
    return "success";
  case ZL_ERR_ARG:
    return "invalid argument";
  case ZL_ERR_BUFFER:
    return "buffer size does not match the data";
  case ZL_ERR_NOMEM:
    return "out of memory";
  case ZL_ERR_CORRUPT:
    return "encoded data is corrupt or truncated";
  case ZL_ERR_CODEC:
    return "the compression library reported a failure";
  case ZL_ERR_UNSUPPORTED:
    return "the data uses a feature this build cannot decode";
  case ZL_ERR_IO:
    return "input/output error";
  default:
    return "unknown error";
  }
}
