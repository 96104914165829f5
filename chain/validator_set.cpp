#include "chain/validator_set.h"

#include <algorithm>
#include <cassert>
#include <functional>

#include "chain/keccak.h"
#include "chain/rlp.h"

namespace vest {

std::optional<ValidatorSet> ValidatorSet::make(std::vector<Validator> validators, std::string& error) {
  if (validators.empty()) {
    error = "must list at least one validator";
    return std::nullopt;
  }
  if (validators.size() > kMaxValidators) {
    error = "must list at most " + std::to_string(kMaxValidators) + " validators, not " +
            std::to_string(validators.size());
    return std::nullopt;
  }
  uint64_t total = 0;
  for (size_t i = 0; i < validators.size(); ++i) {
    const std::string where = "[" + std::to_string(i) + "]";
    if (validators[i].address.is_zero()) {
      error = where + ".address: must not be the zero address";
      return std::nullopt;
    }
    if (validators[i].power == 0) {
      error = where + ".power: must be positive";
      return std::nullopt;
    }
    if (validators[i].power > UINT64_MAX - total) {
      error = where + ".power: the total power must fit in 64 bits";
      return std::nullopt;
    }
    total += validators[i].power;
    for (size_t j = 0; j < i; ++j) {
      if (validators[j].address == validators[i].address) {
        error = where + ".address: " + to_checksum(validators[i].address) + " is already validator [" +
                std::to_string(j) + "]";
        return std::nullopt;
      }
    }
  }
  std::sort(validators.begin(), validators.end(),
            [](const Validator& a, const Validator& b) { return a.address < b.address; });
  ValidatorSet s;
  s.validators_ = std::move(validators);
  s.total_ = total;
  return s;
}

std::optional<ValidatorSet> ValidatorSet::decode(ByteView raw) {
  rlp::ListReader r(raw);
  ValidatorSet s;
  while (r.ok() && !r.at_end()) {
    rlp::ListReader v = r.list();
    Validator x{v.fixed<20>(), v.u64()};
    if (!v.done() || x.power == 0 || x.power > UINT64_MAX - s.total_) return std::nullopt;
    if (!s.validators_.empty() && !(s.validators_.back().address < x.address)) return std::nullopt;
    if (s.validators_.size() == kMaxValidators) return std::nullopt;
    s.total_ += x.power;
    s.validators_.push_back(x);
  }
  if (!r.done() || s.validators_.empty()) return std::nullopt;
  return s;
}

Bytes ValidatorSet::encode() const {
  rlp::Encoder e;
  e.begin_list();
  for (const Validator& v : validators_) e.begin_list().fixed(v.address).uint(v.power).end_list();
  e.end_list();
  return e.finish();
}

Hash ValidatorSet::hash() const { return keccak256(encode()); }

std::optional<size_t> ValidatorSet::index_of(const Address& a) const {
  auto it = std::lower_bound(validators_.begin(), validators_.end(), a,
                             [](const Validator& v, const Address& x) { return v.address < x; });
  if (it == validators_.end() || it->address != a) return std::nullopt;
  return static_cast<size_t>(it - validators_.begin());
}

std::optional<ValidatorSet> ValidatorSet::with_power(const Address& address, uint64_t power,
                                                     std::string& error) const {
  const auto index = index_of(address);
  if (address.is_zero()) {
    error = "the zero address cannot be a validator";
    return std::nullopt;
  }
  if (!index && power == 0) {
    error = to_checksum(address) + " is not a validator";
    return std::nullopt;
  }
  if (index && validators_[*index].power == power) {
    error = to_checksum(address) + " already has power " + std::to_string(power);
    return std::nullopt;
  }
  std::vector<Validator> next = validators_;
  if (index) {
    if (power == 0) {
      next.erase(next.begin() + static_cast<std::ptrdiff_t>(*index));
    } else {
      next[*index].power = power;
    }
  } else {
    next.push_back({address, power});
  }
  if (next.empty()) {
    error = "removing " + to_checksum(address) + " would leave no validator";
    return std::nullopt;
  }
  if (next.size() > kMaxValidators) {
    error = "adding " + to_checksum(address) + " would make " + std::to_string(next.size()) +
            " validators, more than " + std::to_string(kMaxValidators);
    return std::nullopt;
  }
  const uint64_t others = total_ - (index ? validators_[*index].power : 0);
  if (power > UINT64_MAX - others) {
    error = "power " + std::to_string(power) + " would take the total power beyond 2^64 - 1";
    return std::nullopt;
  }
  std::string make_error;
  auto set = make(std::move(next), make_error);
  assert(set && "the checks above keep every invariant");
  return set;
}

namespace {

// chain/valset/ ‖ (2^64 - 1 - from): the newest set sorts first.
Bytes history_key(uint64_t from) {
  Bytes k(kValidatorSetPrefix.begin(), kValidatorSetPrefix.end());
  put_u64_be(k, UINT64_MAX - from);
  return k;
}

// Visits the entries from the one certifying `height` down to genesis; `fn`
// returns false to stop. False when an entry does not decode.
bool scan_history(const StateReader& state, uint64_t height, const std::function<bool(ValidatorsAt)>& fn) {
  bool ok = true;
  state.scan(as_bytes(kValidatorSetPrefix), history_key(height), [&](ByteView key, ByteView value) {
    auto set = ValidatorSet::decode(value);
    if (key.size() != kValidatorSetPrefix.size() + 8 || !set) {
      ok = false;
      return false;
    }
    return fn(ValidatorsAt{std::move(*set), UINT64_MAX - get_u64_be(key.data() + kValidatorSetPrefix.size())});
  });
  return ok;
}

}  // namespace

std::optional<ValidatorsAt> validators_at(const StateReader& state, uint64_t height) {
  std::optional<ValidatorsAt> out;
  if (!scan_history(state, height, [&](ValidatorsAt v) {
        out = std::move(v);
        return false;
      }))
    return std::nullopt;
  return out;
}

std::optional<ValidatorsAt> latest_validators(const StateReader& state) { return validators_at(state, UINT64_MAX); }

std::vector<ValidatorsAt> validator_history(const StateReader& state) {
  std::vector<ValidatorsAt> out;
  if (!scan_history(state, UINT64_MAX, [&](ValidatorsAt v) {
        out.push_back(std::move(v));
        return true;
      }))
    out.clear();
  return out;
}

void write_validators(State& state, uint64_t from, const ValidatorSet& set) {
  assert(!set.empty() && "only a valid set is written");
  state.put(history_key(from), set.encode());
}

void schedule_validators(State& state, uint64_t height, const ValidatorSet& set) {
  assert(height <= UINT64_MAX - kValidatorSetDelay);
  write_validators(state, height + kValidatorSetDelay, set);
}

}  // namespace vest
