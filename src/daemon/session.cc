// eddy — a connection's identity, bucket and privileges (session.h).
#include "daemon/session.h"

#include "daemon/server.h"

namespace eddy::daemon {

Session::Session(Server& server) : server_(server), engine_(&server.noBucket()) {
    const UnauthenticatedAccess& open = server.unauthenticated();
    if (!open.enabled) {
        return;
    }
    anonymous_ = true;
    privileges_ = open.privileges;
    if (auto bucket = server.buckets().find(open.bucket)) {
        selectBucket(std::move(bucket));
    }
}

const std::string& Session::bucketName() const {
    static const std::string kNone;
    return bucket_ ? bucket_->name() : kNone;
}

AccessVerdict Session::check(Access access) {
    if (access.kind == Access::Kind::Anyone) {
        return {};
    }
    if (!authenticated_ && !anonymous_) {
        return {AccessVerdict::Kind::NotAuthenticated};
    }
    if (const auto missing = access.missing(privileges())) {
        return {AccessVerdict::Kind::MissingPrivilege, *missing};
    }
    return {};
}

PrivilegeSet Session::privileges() {
    if (anonymous_) {
        return privileges_;
    }
    const security::AccessControl& access = server_.access();
    if (generation_ != access.rbacGeneration()) {
        std::optional<std::string_view> bucket;
        if (bucket_) {
            bucket = bucket_->name();
        }
        const security::PrivilegeContext context = access.context(user_, bucket);
        privileges_ = context.privileges;
        generation_ = context.generation;
    }
    return privileges_;
}

void Session::setAuthenticated(std::string user) {
    authenticated_ = true;
    anonymous_ = false;
    user_ = std::move(user);
    selectNoBucket();
}

void Session::selectBucket(std::shared_ptr<Bucket> bucket) {
    engine_ = &bucket->engine();
    bucket_ = Bucket::Use(std::move(bucket));
    generation_ = 0;
    config_sent_ = kNoConfigSent;
}

void Session::selectNoBucket() {
    bucket_.reset();
    engine_ = &server_.noBucket();
    generation_ = 0;
    config_sent_ = kNoConfigSent;
}

}  // namespace eddy::daemon
