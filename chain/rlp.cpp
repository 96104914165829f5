#include "chain/rlp.h"

#include <cassert>

namespace vest::rlp {

namespace {

constexpr uint8_t kStringOffset = 0x80;
constexpr uint8_t kListOffset = 0xc0;
constexpr size_t kMaxShortLength = 55;

// Where one item sits inside the buffer it was read from.
struct Header {
  bool is_list = false;
  size_t payload_start = 0;
  size_t payload_size = 0;
  size_t end() const { return payload_start + payload_size; }
};

// Reads the prefix of the item starting at in[pos] and checks that its
// payload lies within `in`. Enforces every canonical-form rule of a prefix.
Error read_header(ByteView in, size_t pos, Header& h) {
  if (pos >= in.size()) return Error::kTruncated;
  const uint8_t first = in[pos];
  const size_t after_prefix_byte = pos + 1;
  if (first < kStringOffset) {
    h = Header{false, pos, 1};
    return Error::kOk;
  }
  const bool is_list = first >= kListOffset;
  const uint8_t base = is_list ? kListOffset : kStringOffset;
  const size_t code = first - base;  // 0..63
  const size_t remaining = in.size() - after_prefix_byte;

  if (code <= kMaxShortLength) {
    if (code > remaining) return Error::kTruncated;
    if (!is_list && code == 1 && in[after_prefix_byte] < kStringOffset) return Error::kNonCanonical;
    h = Header{is_list, after_prefix_byte, code};
    return Error::kOk;
  }

  const size_t length_size = code - kMaxShortLength;  // 1..8
  if (length_size > remaining) return Error::kTruncated;
  if (in[after_prefix_byte] == 0) return Error::kLeadingZero;
  uint64_t length = 0;
  for (size_t i = 0; i < length_size; ++i) length = length << 8 | in[after_prefix_byte + i];
  if (length <= kMaxShortLength) return Error::kNonCanonical;
  const size_t payload_room = remaining - length_size;
  if (length > static_cast<uint64_t>(payload_room)) return Error::kTruncated;
  h = Header{is_list, after_prefix_byte + length_size, static_cast<size_t>(length)};
  return Error::kOk;
}

void put_prefix(Bytes& out, uint8_t base, size_t length) {
  if (length <= kMaxShortLength) {
    out.push_back(static_cast<uint8_t>(base + length));
    return;
  }
  uint8_t be[sizeof(size_t)];
  size_t n = 0;
  for (size_t v = length; v != 0; v >>= 8) be[n++] = static_cast<uint8_t>(v);
  out.push_back(static_cast<uint8_t>(base + kMaxShortLength + n));
  while (n > 0) out.push_back(be[--n]);
}

// The integer whose big-endian digits are `b`, just read from `r`: no leading
// zero byte and no wider than T.
template <typename T>
T read_uint(ListReader& r, ByteView b) {
  if (!r.ok()) return 0;
  if (!b.empty() && b[0] == 0) {
    r.fail(Error::kLeadingZero);
    return 0;
  }
  if (b.size() > sizeof(T)) {
    r.fail(Error::kIntegerOverflow);
    return 0;
  }
  T v = 0;
  for (uint8_t x : b) v = static_cast<T>(v << 8 | x);
  return v;
}

Error decode_at(ByteView in, size_t pos, size_t depth, Header& h, Item& out) {
  if (Error e = read_header(in, pos, h); e != Error::kOk) return e;
  out = Item{};
  if (!h.is_list) {
    ByteView payload = in.subspan(h.payload_start, h.payload_size);
    out.data.assign(payload.begin(), payload.end());
    return Error::kOk;
  }
  if (depth >= kMaxDepth) return Error::kTooDeep;
  out.is_list = true;
  const ByteView payload = in.subspan(h.payload_start, h.payload_size);
  size_t at = 0;
  while (at < payload.size()) {
    Header child;
    out.items.emplace_back();
    if (Error e = decode_at(payload, at, depth + 1, child, out.items.back()); e != Error::kOk)
      return e;
    at = child.end();
  }
  return Error::kOk;
}

void encode_into(Encoder& enc, const Item& item) {
  if (!item.is_list) {
    enc.bytes(item.data);
    return;
  }
  enc.begin_list();
  for (const Item& child : item.items) encode_into(enc, child);
  enc.end_list();
}

}  // namespace

const char* to_string(Error e) {
  switch (e) {
    case Error::kOk: return "ok";
    case Error::kTruncated: return "truncated";
    case Error::kNonCanonical: return "non-canonical size";
    case Error::kLeadingZero: return "leading zero";
    case Error::kTrailingBytes: return "trailing bytes";
    case Error::kExpectedList: return "expected a list";
    case Error::kExpectedBytes: return "expected a byte string";
    case Error::kIntegerOverflow: return "integer overflow";
    case Error::kWrongLength: return "wrong length";
    case Error::kTooDeep: return "nested too deep";
  }
  return "unknown error";
}

Encoder& Encoder::bytes(ByteView b) {
  if (b.size() == 1 && b[0] < kStringOffset) {
    out_.push_back(b[0]);
    return *this;
  }
  put_prefix(out_, kStringOffset, b.size());
  append(out_, b);
  return *this;
}

Encoder& Encoder::uint(u128 v) {
  uint8_t be[sizeof(u128)];
  size_t start = sizeof(be);
  for (; v != 0; v >>= 8) be[--start] = static_cast<uint8_t>(v);
  return bytes(ByteView(be + start, sizeof(be) - start));
}

Encoder& Encoder::raw(ByteView encoded_item) {
  append(out_, encoded_item);
  return *this;
}

Encoder& Encoder::begin_list() {
  open_.push_back(out_.size());
  return *this;
}

Encoder& Encoder::end_list() {
  assert(!open_.empty() && "end_list() without begin_list()");
  const size_t start = open_.back();
  open_.pop_back();
  Bytes prefix;
  put_prefix(prefix, kListOffset, out_.size() - start);
  out_.insert(out_.begin() + static_cast<std::ptrdiff_t>(start), prefix.begin(), prefix.end());
  return *this;
}

Bytes Encoder::finish() {
  assert(open_.empty() && "finish() with a list still open");
  Bytes result = std::move(out_);
  out_.clear();
  return result;
}

ListReader::ListReader(ByteView encoded) {
  Header h;
  if (Error e = read_header(encoded, 0, h); e != Error::kOk) {
    error_ = e;
  } else if (!h.is_list) {
    error_ = Error::kExpectedList;
  } else if (h.end() != encoded.size()) {
    error_ = Error::kTrailingBytes;
  } else {
    payload_ = encoded.subspan(h.payload_start, h.payload_size);
  }
}

ByteView ListReader::bytes() {
  if (!ok()) return {};
  Header h;
  if (Error e = read_header(payload_, pos_, h); e != Error::kOk) {
    fail(e);
    return {};
  }
  if (h.is_list) {
    fail(Error::kExpectedBytes);
    return {};
  }
  pos_ = h.end();
  return payload_.subspan(h.payload_start, h.payload_size);
}

uint64_t ListReader::u64() {
  ByteView b = bytes();
  return read_uint<uint64_t>(*this, b);
}

u128 ListReader::u128v() {
  ByteView b = bytes();
  return read_uint<u128>(*this, b);
}

ListReader ListReader::list() {
  if (!ok()) return ListReader(ByteView{}, error_);
  Header h;
  if (Error e = read_header(payload_, pos_, h); e != Error::kOk) {
    fail(e);
    return ListReader(ByteView{}, e);
  }
  if (!h.is_list) {
    fail(Error::kExpectedList);
    return ListReader(ByteView{}, Error::kExpectedList);
  }
  pos_ = h.end();
  return ListReader(payload_.subspan(h.payload_start, h.payload_size), Error::kOk);
}

ByteView ListReader::raw() {
  if (!ok()) return {};
  Header h;
  if (Error e = read_header(payload_, pos_, h); e != Error::kOk) {
    fail(e);
    return {};
  }
  const size_t start = pos_;
  pos_ = h.end();
  return payload_.subspan(start, pos_ - start);
}

Error decode(ByteView encoded, Item& out) {
  out = Item{};
  Header h;
  Error e = decode_at(encoded, 0, 0, h, out);
  if (e == Error::kOk && h.end() != encoded.size()) e = Error::kTrailingBytes;
  if (e != Error::kOk) out = Item{};
  return e;
}

Bytes encode(const Item& item) {
  Encoder enc;
  encode_into(enc, item);
  return enc.finish();
}

}  // namespace vest::rlp
