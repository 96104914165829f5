#include "chain/address.h"

#include "chain/keccak.h"

namespace vest {

std::string to_checksum(const Address& a) {
  std::string lower = to_hex(a.view());
  Hash h = keccak256(as_bytes(lower));
  std::string out = "0x";
  for (size_t i = 0; i < lower.size(); ++i) {
    char c = lower[i];
    uint8_t nibble = (i % 2 == 0) ? (h.bytes[i / 2] >> 4) : (h.bytes[i / 2] & 0xf);
    if (c >= 'a' && c <= 'f' && nibble >= 8) c = static_cast<char>(c - 'a' + 'A');
    out.push_back(c);
  }
  return out;
}

AddressError parse_address(std::string_view text, Address& out) {
  if (text.size() != 42 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
    return AddressError::kMalformed;
  auto bytes = from_hex(text.substr(2));
  if (!bytes) return AddressError::kMalformed;
  bool has_lower = false, has_upper = false;
  for (char c : text.substr(2)) {
    if (c >= 'a' && c <= 'f') has_lower = true;
    if (c >= 'A' && c <= 'F') has_upper = true;
  }
  Address a = *Address::from(*bytes);
  if (has_lower && has_upper && to_checksum(a).substr(2) != text.substr(2))
    return AddressError::kBadChecksum;
  out = a;
  return AddressError::kOk;
}

std::optional<Address> parse_address(std::string_view text) {
  Address a;
  if (parse_address(text, a) != AddressError::kOk) return std::nullopt;
  return a;
}

Address module_address(std::string_view name) {
  Hash h = keccak256(as_bytes(name));
  return *Address::from(h.view().subspan(12));
}

Address address_from_pubkey(ByteView pubkey64) {
  Hash h = keccak256(pubkey64);
  Address a;
  std::copy(h.bytes.begin() + 12, h.bytes.end(), a.bytes.begin());
  return a;
}

}  // namespace vest
