#include "net/lwip_error.h"

namespace probebox::net {

const char* lwip_error_name(err_t err) {
  switch (err) {
    case ERR_OK: return "no error";
    case ERR_MEM: return "out of memory";
    case ERR_BUF: return "out of buffers";
    case ERR_TIMEOUT: return "timed out";
    case ERR_RTE: return "no route to the host";
    case ERR_INPROGRESS: return "operation in progress";
    case ERR_VAL: return "invalid value";
    case ERR_WOULDBLOCK: return "operation would block";
    case ERR_USE: return "address in use";
    case ERR_ALREADY: return "already connecting";
    case ERR_ISCONN: return "already connected";
    case ERR_CONN: return "not connected";
    case ERR_IF: return "network interface error";
    case ERR_ABRT: return "connection aborted by the box's TCP stack";
    case ERR_RST: return "connection reset";
    case ERR_CLSD: return "connection closed";
    case ERR_ARG: return "invalid argument";
  }
  return "unknown lwIP error";
}

}  // namespace probebox::net
