// eddy — the names of sub-document results.
#include "subdoc/result.h"

namespace eddy::subdoc {

std::string_view toString(Result result) {
    switch (result) {
    case Result::Success: return "SUCCESS";
    case Result::PathEnoent: return "SUBDOC_PATH_ENOENT";
    case Result::PathMismatch: return "SUBDOC_PATH_MISMATCH";
    case Result::PathEinval: return "SUBDOC_PATH_EINVAL";
    case Result::PathE2big: return "SUBDOC_PATH_E2BIG";
    case Result::DocE2deep: return "SUBDOC_DOC_E2DEEP";
    case Result::ValueCantinsert: return "SUBDOC_VALUE_CANTINSERT";
    case Result::DocNotJson: return "SUBDOC_DOC_NOT_JSON";
    case Result::NumErange: return "SUBDOC_NUM_ERANGE";
    case Result::DeltaEinval: return "SUBDOC_DELTA_EINVAL";
    case Result::PathEexists: return "SUBDOC_PATH_EEXISTS";
    case Result::ValueEtoodeep: return "SUBDOC_VALUE_ETOODEEP";
    }
    return "UNKNOWN";
}

}  // namespace eddy::subdoc
