#include "daemon/set_param_context.h"

#include "daemon/connection.h"
#include "daemon/cookie.h"
#include "protocol/encode.h"

#include <string>

namespace eddy::daemon {

Status SetParamContext::step() {
    Cookie& cmd = cookie();
    const auto& request = cmd.request();
    const uint32_t category = mcbp::readUint32(request.extras, 0);
    std::string message;
    const Status status =
        cmd.connection().engine().setParameter(cmd, category, request.key, request.value, message);
    if (status == Status::InvalidArguments && !message.empty()) {
        cmd.setErrorContext(std::move(message));
    }
    if (status == Status::Success) {
        cmd.sendResponse(mcbp::ResponseStatus::Success);
    }
    return status;
}

}  // namespace eddy::daemon
