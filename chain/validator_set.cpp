#include "chain/validator_set.h"

#include <algorithm>

#include "chain/keccak.h"
#include "chain/rlp.h"

namespace vest {

std::optional<ValidatorSet> ValidatorSet::make(std::vector<Validator> validators, std::string& error) {
  if (validators.empty()) {
    error = "must list at least one validator";
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

std::optional<ValidatorSet> read_validator_set(const StateReader& state) {
  auto v = state.get(as_bytes(kValidatorsKey));
  if (!v) return std::nullopt;
  return ValidatorSet::decode(*v);
}

}  // namespace vest
