#include "common/owner_thread.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace eddy {

void OwnerThread::check(const char* what) const {
    if (isOwner()) {
        return;
    }
    std::ostringstream ids;
    ids << "owner " << owner_ << ", caller " << std::this_thread::get_id();
    std::fprintf(stderr, "eddy: owner-thread violation in %s (%s)\n", what, ids.str().c_str());
    std::fflush(stderr);
    std::abort();
}

}  // namespace eddy
