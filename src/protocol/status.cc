#include "protocol/status.h"

namespace eddy::mcbp {

// Both functions are switches without a default on purpose: -Wswitch (an error here) then
// refuses to build when an enumerator is added to eddy::Status or ResponseStatus without a row.

ResponseStatus toResponseStatus(Status status) {
    using R = ResponseStatus;
    switch (status) {
    case Status::Success: return R::Success;
    case Status::KeyNotFound: return R::KeyEnoent;
    case Status::KeyExists: return R::KeyEexists;
    case Status::NoMemory: return R::Enomem;
    case Status::NotStored: return R::NotStored;
    case Status::InvalidArguments: return R::Einval;
    case Status::NotSupported: return R::NotSupported;
    case Status::TooBig: return R::E2big;
    case Status::NoAccess: return R::Eaccess;
    case Status::NotMyVbucket: return R::NotMyVbucket;
    case Status::TemporaryFailure: return R::Etmpfail;
    case Status::OutOfRange: return R::Erange;
    case Status::Rollback: return R::Rollback;
    case Status::NoBucket: return R::NoBucket;
    case Status::TooBusy: return R::Ebusy;
    case Status::DeltaBadValue: return R::DeltaBadval;
    case Status::Locked: return R::Locked;
    // Mutating a locked document: reported as a transient failure, which every client retries.
    case Status::LockedTmpfail: return R::Etmpfail;
    // No wire form: reaching the wire with one of these is a front-end bug.
    case Status::WouldBlock:
    case Status::Disconnect:
    case Status::Failed: return R::Einternal;
    }
    return R::Einternal;
}

std::optional<std::string_view> statusName(ResponseStatus status) {
    using R = ResponseStatus;
    switch (status) {
    case R::Success: return "SUCCESS";
    case R::KeyEnoent: return "KEY_ENOENT";
    case R::KeyEexists: return "KEY_EEXISTS";
    case R::E2big: return "E2BIG";
    case R::Einval: return "EINVAL";
    case R::NotStored: return "NOT_STORED";
    case R::DeltaBadval: return "DELTA_BADVAL";
    case R::NotMyVbucket: return "NOT_MY_VBUCKET";
    case R::NoBucket: return "NO_BUCKET";
    case R::Locked: return "LOCKED";
    case R::DcpStreamNotFound: return "DCP_STREAM_NOT_FOUND";
    case R::OpaqueNoMatch: return "OPAQUE_NO_MATCH";
    case R::AuthStale: return "AUTH_STALE";
    case R::AuthError: return "AUTH_ERROR";
    case R::AuthContinue: return "AUTH_CONTINUE";
    case R::Erange: return "ERANGE";
    case R::Rollback: return "ROLLBACK";
    case R::Eaccess: return "EACCESS";
    case R::NotInitialized: return "NOT_INITIALIZED";
    case R::UnknownFrameInfo: return "UNKNOWN_FRAME_INFO";
    case R::UnknownCommand: return "UNKNOWN_COMMAND";
    case R::Enomem: return "ENOMEM";
    case R::NotSupported: return "NOT_SUPPORTED";
    case R::Einternal: return "EINTERNAL";
    case R::Ebusy: return "EBUSY";
    case R::Etmpfail: return "ETMPFAIL";
    case R::XattrEinval: return "XATTR_EINVAL";
    case R::UnknownCollection: return "UNKNOWN_COLLECTION";
    case R::NoCollectionsManifest: return "NO_COLLECTIONS_MANIFEST";
    case R::CannotApplyCollectionsManifest: return "CANNOT_APPLY_COLLECTIONS_MANIFEST";
    case R::UnknownScope: return "UNKNOWN_SCOPE";
    case R::SubdocPathEnoent: return "SUBDOC_PATH_ENOENT";
    case R::SubdocPathMismatch: return "SUBDOC_PATH_MISMATCH";
    case R::SubdocPathEinval: return "SUBDOC_PATH_EINVAL";
    case R::SubdocPathE2big: return "SUBDOC_PATH_E2BIG";
    case R::SubdocDocE2deep: return "SUBDOC_DOC_E2DEEP";
    case R::SubdocValueCantinsert: return "SUBDOC_VALUE_CANTINSERT";
    case R::SubdocDocNotJson: return "SUBDOC_DOC_NOT_JSON";
    case R::SubdocNumErange: return "SUBDOC_NUM_ERANGE";
    case R::SubdocDeltaEinval: return "SUBDOC_DELTA_EINVAL";
    case R::SubdocPathEexists: return "SUBDOC_PATH_EEXISTS";
    case R::SubdocValueEtoodeep: return "SUBDOC_VALUE_ETOODEEP";
    case R::SubdocInvalidCombo: return "SUBDOC_INVALID_COMBO";
    case R::SubdocMultiPathFailure: return "SUBDOC_MULTI_PATH_FAILURE";
    case R::SubdocSuccessDeleted: return "SUBDOC_SUCCESS_DELETED";
    case R::SubdocXattrInvalidFlagCombo: return "SUBDOC_XATTR_INVALID_FLAG_COMBO";
    case R::SubdocXattrInvalidKeyCombo: return "SUBDOC_XATTR_INVALID_KEY_COMBO";
    case R::SubdocXattrUnknownMacro: return "SUBDOC_XATTR_UNKNOWN_MACRO";
    case R::SubdocXattrUnknownVattr: return "SUBDOC_XATTR_UNKNOWN_VATTR";
    case R::SubdocXattrCantModifyVattr: return "SUBDOC_XATTR_CANT_MODIFY_VATTR";
    case R::SubdocMultiPathFailureDeleted: return "SUBDOC_MULTI_PATH_FAILURE_DELETED";
    case R::SubdocInvalidXattrOrder: return "SUBDOC_INVALID_XATTR_ORDER";
    case R::DurabilityInvalidLevel: return "DURABILITY_INVALID_LEVEL";
    case R::DurabilityImpossible: return "DURABILITY_IMPOSSIBLE";
    }
    return std::nullopt;
}

}  // namespace eddy::mcbp
