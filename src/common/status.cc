#include "eddy/status.h"

namespace eddy {

std::string_view toString(Status status) {
    switch (status) {
    case Status::Success: return "success";
    case Status::KeyNotFound: return "key_not_found";
    case Status::KeyExists: return "key_exists";
    case Status::NoMemory: return "no_memory";
    case Status::NotStored: return "not_stored";
    case Status::InvalidArguments: return "invalid_arguments";
    case Status::NotSupported: return "not_supported";
    case Status::WouldBlock: return "would_block";
    case Status::TooBig: return "too_big";
    case Status::Disconnect: return "disconnect";
    case Status::NoAccess: return "no_access";
    case Status::NotMyVbucket: return "not_my_vbucket";
    case Status::TemporaryFailure: return "temporary_failure";
    case Status::OutOfRange: return "out_of_range";
    case Status::Rollback: return "rollback";
    case Status::NoBucket: return "no_bucket";
    case Status::TooBusy: return "too_busy";
    case Status::DeltaBadValue: return "delta_bad_value";
    case Status::Locked: return "locked";
    case Status::LockedTmpfail: return "locked_tmpfail";
    case Status::Failed: return "failed";
    }
    return "unknown";
}

}  // namespace eddy
