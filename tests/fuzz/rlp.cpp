// The strict RLP decoder under every other encoding.
//   - an item that decodes re-encodes to exactly the input (one encoding per value);
//   - ListReader walks the same top-level elements that decode() found;
//   - a list of integers read with u128v() re-encodes to the input.
#include "chain/rlp.h"
#include "tests/fuzz/fuzz.h"

namespace {

using namespace vest;

using fuzz::same;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView raw = vest::fuzz::input_bytes(data, size);

  rlp::Item item;
  rlp::Error e = rlp::decode(raw, item);
  if (e == rlp::Error::kOk) {
    FUZZ_CHECK(same(rlp::encode(item), raw));
  } else {
    FUZZ_CHECK(!item.is_list && item.data.empty());
    FUZZ_CHECK(rlp::to_string(e) != std::string("unknown error"));
  }

  // ListReader checks the top level only; where decode() succeeded on a list,
  // both must see the same elements.
  rlp::ListReader r(raw);
  std::vector<ByteView> elements;
  while (r.ok() && !r.at_end()) elements.push_back(r.raw());
  bool walked = r.done();
  if (e == rlp::Error::kOk) {
    FUZZ_CHECK(walked == item.is_list);
    if (item.is_list) {
      FUZZ_CHECK(elements.size() == item.items.size());
      for (size_t i = 0; i < elements.size(); ++i) FUZZ_CHECK(same(rlp::encode(item.items[i]), elements[i]));
    }
  }

  // Integers: canonical big-endian, no leading zeros, at most 16 bytes.
  rlp::ListReader ints(raw);
  std::vector<u128> values;
  while (ints.ok() && !ints.at_end()) values.push_back(ints.u128v());
  if (ints.done()) {
    rlp::Encoder enc;
    enc.begin_list();
    for (u128 v : values) enc.uint(v);
    enc.end_list();
    FUZZ_CHECK(same(enc.finish(), raw));
  }
  return 0;
}
