// Shared by the fuzz targets (docs/reliability.md, "Fuzzing"). Each target is
// one LLVMFuzzerTestOneInput, linked either with libFuzzer (the fuzz preset)
// or with replay_main.cpp (the dev build's short deterministic run).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "chain/bytes.h"

// Fails the run (abort, so libFuzzer saves the input) when `cond` is false.
// Checks what the code under test promises; stays on in every build.
#define FUZZ_CHECK(cond)                                                                  \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)

namespace vest::fuzz {

inline ByteView input_bytes(const uint8_t* data, size_t size) { return ByteView(data, size); }
// True when `a` holds exactly the bytes of `b` (a re-encoding matches its input).
inline bool same(const Bytes& a, ByteView b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

inline std::string_view input_text(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

}  // namespace vest::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
