#include "consensus/sign_state.h"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <iterator>
#include <tuple>

#include "chain/durable_file.h"

namespace vest::consensus {

namespace json = boost::json;
namespace fs = std::filesystem;

const char* to_string(SignStep s) {
  switch (s) {
    case SignStep::kProposal:
      return "proposal";
    case SignStep::kPrevote:
      return "prevote";
    case SignStep::kPrecommit:
      return "precommit";
  }
  return "?";
}

namespace {

std::optional<SignStep> step_named(std::string_view name) {
  for (SignStep s : {SignStep::kProposal, SignStep::kPrevote, SignStep::kPrecommit}) {
    if (name == to_string(s)) return s;
  }
  return std::nullopt;
}

std::optional<uint64_t> u64_text(const json::value* v) {
  if (!v || !v->is_string()) return std::nullopt;
  const json::string& s = v->get_string();
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (n > (UINT64_MAX - d) / 10) return std::nullopt;
    n = n * 10 + d;
  }
  return n;
}

std::optional<SignRecord> parse_record(std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  const json::object& o = doc.get_object();
  if (o.size() != 6) return std::nullopt;
  SignRecord r;
  auto height = u64_text(o.if_contains("height"));
  auto time = u64_text(o.if_contains("time"));
  const json::value* round = o.if_contains("round");
  const json::value* step = o.if_contains("step");
  const json::value* sign_bytes = o.if_contains("signBytes");
  const json::value* sig = o.if_contains("signature");
  if (!height || !time || !round || !round->is_int64() || round->get_int64() < 0 || round->get_int64() > UINT32_MAX || !step ||
      !step->is_string() || !sign_bytes || !sign_bytes->is_string() || !sig || !sig->is_string())
    return std::nullopt;
  auto s = step_named(step->get_string());
  auto bytes = from_hex(sign_bytes->get_string());
  auto sig_bytes = from_hex(sig->get_string());
  if (!s || !bytes || bytes->empty() || !sig_bytes) return std::nullopt;
  auto signature = Signature::from_bytes(*sig_bytes);
  if (!signature) return std::nullopt;
  r.height = *height;
  r.round = static_cast<uint32_t>(round->get_int64());
  r.step = *s;
  r.time = *time;
  r.sign_bytes = std::move(*bytes);
  r.sig = *signature;
  return r;
}

std::string record_text(const SignRecord& r) {
  json::object o;
  o["height"] = std::to_string(r.height);
  o["round"] = r.round;
  o["step"] = to_string(r.step);
  o["time"] = std::to_string(r.time);
  o["signBytes"] = to_hex_0x(r.sign_bytes);
  o["signature"] = to_hex_0x(r.sig.to_bytes());
  return json::serialize(o) + "\n";
}

}  // namespace

std::optional<SignState> SignState::load(const fs::path& file, std::string& error) {
  SignState state;
  state.file_ = file;
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    if (ec) {
      error = "cannot read the signer state " + file.string() + ": " + ec.message();
      return std::nullopt;
    }
    return state;
  }
  std::ifstream in(file, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.is_open() || in.bad()) {
    error = "cannot read the signer state " + file.string();
    return std::nullopt;
  }
  auto record = parse_record(text);
  if (!record) {
    error = "the signer state " + file.string() +
            " is damaged: it must name the last height, round and step this validator signed "
            "(docs/operations.md, \"Signer state\")";
    return std::nullopt;
  }
  state.last_ = std::move(record);
  return state;
}

SignDecision SignState::check(uint64_t height, uint32_t round, SignStep step, ByteView sign_bytes) const {
  if (!last_) return SignDecision::kSign;
  const auto at = std::make_tuple(height, round, step);
  const auto last = std::make_tuple(last_->height, last_->round, last_->step);
  if (at > last) return SignDecision::kSign;
  if (at < last) return SignDecision::kRegression;
  return std::ranges::equal(last_->sign_bytes, sign_bytes) ? SignDecision::kSame : SignDecision::kConflict;
}

bool SignState::record(const SignRecord& record, std::string& error) {
  if (!write_file_durably(file_, record_text(record), 0600, error)) return false;
  last_ = record;
  return true;
}

}  // namespace vest::consensus
