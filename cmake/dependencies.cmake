# Third-party libraries, all from Debian packages installed by scripts/install-deps.sh.

find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBEVENT REQUIRED IMPORTED_TARGET libevent_core libevent_pthreads)
# evhttp (libevent_extra, also in libevent-dev): the Prometheus endpoint of eddyd.
pkg_check_modules(LIBEVENT_EXTRA REQUIRED IMPORTED_TARGET libevent_extra)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
# RapidJSON (rapidjson-dev, header-only): the sub-document engine's JSON (ADR 0010). An interface
# target so its headers are SYSTEM includes and its options are set in one place.
find_package(RapidJSON CONFIG REQUIRED)
add_library(eddy_rapidjson INTERFACE)
target_include_directories(eddy_rapidjson SYSTEM INTERFACE ${RAPIDJSON_INCLUDE_DIRS})
target_compile_definitions(eddy_rapidjson INTERFACE RAPIDJSON_HAS_STDSTRING=1)
find_package(CLI11 REQUIRED)
find_package(RocksDB CONFIG REQUIRED)
# Snappy::snappy (libsnappy-dev ships a CMake package): MCBP datatype Snappy, DCP compression.
find_package(Snappy CONFIG REQUIRED)
# OpenSSL::Crypto / OpenSSL::SSL (libssl-dev): SCRAM, PBKDF2, secure random; TLS.
find_package(OpenSSL 3 REQUIRED)
find_package(GTest REQUIRED)
find_package(Threads REQUIRED)
if(EDDY_BUILD_BENCHMARKS)
    find_package(benchmark REQUIRED)
endif()
