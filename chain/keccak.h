// Keccak-256 as used by Ethereum (the original padding 0x01, not SHA3-256's 0x06).
// OpenSSL 3.0 offers only SHA3, so this is implemented here and proven against
// the known answers in the shared test vectors.
#pragma once

#include "chain/bytes.h"

namespace vest {

// Incremental hasher: update() any number of times, then final() once.
class Keccak256 {
 public:
  Keccak256();
  Keccak256& update(ByteView data);
  Hash final();

 private:
  uint64_t state_[25];
  uint8_t buffer_[136];  // rate of Keccak-256 in bytes
  size_t buffered_ = 0;
};

Hash keccak256(ByteView data);

}  // namespace vest
