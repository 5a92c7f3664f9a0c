# eddy_add_test(NAME <target> SOURCES <files...> LIBS <targets...> [LABEL <label>])
# One gtest executable; each TEST becomes its own ctest entry so `ctest -j` spreads them.
include(GoogleTest)

function(eddy_add_test)
    cmake_parse_arguments(ARG "" "NAME;LABEL" "SOURCES;LIBS" ${ARGN})
    if(NOT ARG_LABEL)
        set(ARG_LABEL unit)
    endif()
    add_executable(${ARG_NAME} ${ARG_SOURCES})
    target_link_libraries(${ARG_NAME} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
    gtest_discover_tests(${ARG_NAME}
        DISCOVERY_TIMEOUT 120
        PROPERTIES LABELS ${ARG_LABEL} TIMEOUT 300)
endfunction()
