// Account addresses: the last 20 bytes of keccak256 of the uncompressed public
// key (without its 0x04 prefix), shown as EIP-55 mixed-case checksummed hex.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "chain/bytes.h"

namespace vest {

using Address = FixedBytes<20>;

// EIP-55 text: "0x" followed by 40 hex digits whose case encodes a checksum.
std::string to_checksum(const Address& a);

enum class AddressError { kOk, kMalformed, kBadChecksum };

// Accepts "0x" + 40 hex digits, all lowercase, all uppercase, or mixed case
// with a valid EIP-55 checksum. A mixed-case address whose checksum is wrong is
// refused with kBadChecksum, since it is most likely mistyped.
AddressError parse_address(std::string_view text, Address& out);
std::optional<Address> parse_address(std::string_view text);

// The address of a module account that no key controls: the last 20 bytes of
// keccak256(name), e.g. module_address("vestchain/module/vesting").
Address module_address(std::string_view name);

// Address of a 64-byte uncompressed public key (x || y, no 0x04 prefix).
Address address_from_pubkey(ByteView pubkey64);

}  // namespace vest
