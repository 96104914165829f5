// The fixed direction key of the p2p_frame target, shared with make_corpus.cpp so that the
// seeds are frames the target can open.
#pragma once

#include "p2p/frame.h"

namespace vest::fuzz {

inline p2p::Key32 p2p_frame_key() {
  p2p::Key32 k;
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(0x42 + i);
  return k;
}

}  // namespace vest::fuzz
