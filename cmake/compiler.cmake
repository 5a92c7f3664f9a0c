# Warnings, sanitizers and the owner-thread checks, applied to every eddy target.

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
    set(CMAKE_C_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
    set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()

add_compile_options(-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wno-missing-field-initializers)
if(EDDY_WERROR)
    add_compile_options(-Werror)
endif()
# clang's thread-safety analysis (include/eddy/thread_annotations.h). -Wthread-safety-beta adds
# the lock-order checks: a mutex declared ACQUIRED_BEFORE/ACQUIRED_AFTER another is flagged when
# taken in the wrong order, and a cycle among those declarations is flagged too.
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    add_compile_options(-Wthread-safety -Wthread-safety-beta -Werror=thread-safety)
endif()

if(EDDY_SANITIZE)
    add_compile_options(-fsanitize=${EDDY_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    add_link_options(-fsanitize=${EDDY_SANITIZE})
endif()

# Owner-thread assertions (Connection/Cookie mutators) are on everywhere but plain release.
if(EDDY_SANITIZE OR CMAKE_BUILD_TYPE STREQUAL "Debug")
    add_compile_definitions(EDDY_OWNER_CHECKS=1)
endif()

add_compile_definitions(EDDY_VERSION="${PROJECT_VERSION}")
