#include "p2p/handshake.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cassert>
#include <cstring>

namespace vest::p2p {

Bytes encode_hello(const Hello& h) {
  Bytes out(kHelloBytes, 0);
  put_u32(out.data(), h.protocol_version);
  put_u64(out.data() + 4, h.chain_id);
  std::copy(h.genesis_hash.begin(), h.genesis_hash.end(), out.begin() + 12);
  if (h.dialled) {
    out[44] = 1;
    std::copy(h.dialled->begin(), h.dialled->end(), out.begin() + 45);
  }
  return out;
}

Bytes encode_auth(const AuthMessage& a) {
  Bytes out(a.public_key.begin(), a.public_key.end());
  out.insert(out.end(), a.signature.begin(), a.signature.end());
  Bytes hello = encode_hello(a.hello);
  out.insert(out.end(), hello.begin(), hello.end());
  return out;
}

Error decode_auth(ByteView in, AuthMessage& out) {
  if (in.size() != kAuthBytes) return Error::kMalformed;
  AuthMessage a;
  std::copy(in.begin(), in.begin() + 32, a.public_key.begin());
  std::copy(in.begin() + 32, in.begin() + 96, a.signature.begin());
  const uint8_t* h = in.data() + 96;
  a.hello.protocol_version = get_u32(h);
  a.hello.chain_id = get_u64(h + 4);
  std::copy(h + 12, h + 44, a.hello.genesis_hash.begin());
  NodeId id{};
  std::copy(h + 45, h + 65, id.begin());
  if (h[44] == 1) {
    a.hello.dialled = id;
  } else if (h[44] != 0 || std::any_of(id.begin(), id.end(), [](uint8_t b) { return b != 0; })) {
    return Error::kMalformed;
  }
  out = a;
  return Error::kOk;
}

Bytes auth_signed_bytes(const Key32& challenge, const Hello& hello) {
  Bytes out(kAuthDomain.begin(), kAuthDomain.end());
  out.insert(out.end(), challenge.begin(), challenge.end());
  Bytes h = encode_hello(hello);
  out.insert(out.end(), h.begin(), h.end());
  return out;
}

Handshaker::Handshaker(LocalIdentity local, std::optional<NodeId> dialled)
    : local_(std::move(local)), dialled_(dialled) {
  assert(local_.key != nullptr);
}

Error Handshaker::start(Bytes& out) {
  ephemeral_ = X25519Key::generate();
  if (!ephemeral_) return Error::kCrypto;
  out.insert(out.end(), kMagic, kMagic + sizeof kMagic);
  out.insert(out.end(), ephemeral_->public_key().begin(), ephemeral_->public_key().end());
  return Error::kOk;
}

Error Handshaker::on_ephemeral(ByteView in, Bytes& out) {
  assert(ephemeral_.has_value());
  if (in.size() != kEphemeralMessageBytes || std::memcmp(in.data(), kMagic, sizeof kMagic) != 0)
    return Error::kNotProtocol;
  Key32 theirs{};
  std::copy(in.begin() + sizeof kMagic, in.end(), theirs.begin());
  const Key32& ours = ephemeral_->public_key();
  if (theirs == ours) return Error::kBadKey;  // our own key reflected back
  Key32 shared{};
  if (!ephemeral_->derive(theirs, shared)) return Error::kBadKey;
  bool we_are_lo = ours < theirs;
  const Key32& lo = we_are_lo ? ours : theirs;
  const Key32& hi = we_are_lo ? theirs : ours;
  Bytes info(kHkdfInfo.begin(), kHkdfInfo.end());
  info.insert(info.end(), lo.begin(), lo.end());
  info.insert(info.end(), hi.begin(), hi.end());
  uint8_t okm[96];
  bool ok = hkdf_sha256(shared, ByteView(), info, okm, sizeof okm);
  OPENSSL_cleanse(shared.data(), shared.size());
  if (!ok) return Error::kCrypto;
  Key32 key_lo{}, key_hi{};
  std::copy(okm, okm + 32, key_lo.begin());
  std::copy(okm + 32, okm + 64, key_hi.begin());
  std::copy(okm + 64, okm + 96, challenge_.begin());
  OPENSSL_cleanse(okm, sizeof okm);
  send_ = CipherState(we_are_lo ? key_lo : key_hi);
  recv_ = CipherState(we_are_lo ? key_hi : key_lo);
  ephemeral_.reset();  // forward secrecy: the ephemeral private key is no longer needed

  AuthMessage auth;
  auth.public_key = local_.key->public_key();
  auth.hello.protocol_version = local_.protocol_version;
  auth.hello.chain_id = local_.chain_id;
  auth.hello.genesis_hash = local_.genesis_hash;
  auth.hello.dialled = dialled_;
  auth.signature = local_.key->sign(auth_signed_bytes(challenge_, auth.hello));
  return encode_frame(send_, MessageType::kAuth, encode_auth(auth), out);
}

Error Handshaker::on_auth(ByteView payload, PeerInfo& peer, std::string& detail) {
  AuthMessage auth;
  if (Error e = decode_auth(payload, auth); e != Error::kOk) return e;
  if (!ed25519_verify(auth.public_key, auth_signed_bytes(challenge_, auth.hello), auth.signature))
    return Error::kBadSignature;
  NodeId id = node_id_of(auth.public_key);
  const NodeId& own = local_.key->id();
  if (auth.public_key == local_.key->public_key()) {
    detail = "the peer is this node (" + to_string(own) + ")";
    return Error::kSelf;
  }
  const Hello& h = auth.hello;
  if (h.protocol_version < local_.min_protocol_version) {
    detail = "peer speaks version " + std::to_string(h.protocol_version) + ", this node needs at least " +
             std::to_string(local_.min_protocol_version);
    return Error::kWrongVersion;
  }
  if (h.chain_id != local_.chain_id) {
    detail = "peer is on chain " + std::to_string(h.chain_id) + ", this node on " + std::to_string(local_.chain_id);
    return Error::kWrongChain;
  }
  if (h.genesis_hash != local_.genesis_hash) {
    detail = "peer's genesis is " + to_hex(h.genesis_hash) + ", this node's " + to_hex(local_.genesis_hash);
    return Error::kWrongGenesis;
  }
  if (dialled_ && *dialled_ != id) {
    detail = "dialled " + to_string(*dialled_) + " but reached " + to_string(id);
    return Error::kWrongNodeId;
  }
  if (h.dialled && *h.dialled != own) {
    detail = "peer " + to_string(id) + " dialled " + to_string(*h.dialled) + ", this node is " + to_string(own);
    return Error::kWrongNodeId;
  }
  peer.id = id;
  peer.public_key = auth.public_key;
  peer.protocol_version = h.protocol_version;
  return Error::kOk;
}

}  // namespace vest::p2p
