#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

// Catch's own main exits with the number of failed assertions, so a test with
// exactly kSkipExitCode (4) failures would look skipped to ctest
// (SKIP_RETURN_CODE in tests/CMakeLists.txt). Any failure exits 1 here; a real
// skip exits 4 through vest::test::skip().
int main(int argc, char* argv[]) { return Catch::Session().run(argc, argv) == 0 ? 0 : 1; }
