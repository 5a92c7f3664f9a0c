#include "common/errno_string.h"

#include <string.h>

namespace eddy {

std::string errnoString(int error) {
    char buffer[256];
    // GNU strerror_r returns a pointer to the message, in `buffer` or a static string.
    return ::strerror_r(error, buffer, sizeof(buffer));
}

}  // namespace eddy
