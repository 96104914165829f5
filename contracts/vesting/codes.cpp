#include "contracts/vesting/codes.h"

namespace vest::vesting {

const char* reason_of(Code code) {
  switch (code) {
    case Code::kBadSchedule: return "bad_schedule";
    case Code::kNotFound: return "position_not_found";
    case Code::kNotBeneficiary: return "not_beneficiary";
    case Code::kNotFunder: return "not_funder";
    case Code::kNotRevocable: return "not_revocable";
    case Code::kBelowMinimum: return "below_minimum";
    case Code::kMalformedPayload: return "malformed_payload";
    case Code::kNothingToClaim: return "nothing_to_claim";
    case Code::kAssetNotGrantable: return "asset_not_grantable";
    case Code::kModuleAccount: return "module_account";
    case Code::kCannotDecline: return "cannot_decline";
    case Code::kNotOffered: return "not_offered";
    case Code::kUnknownMetric: return "unknown_metric";
    case Code::kNotReporter: return "not_reporter";
    case Code::kUsageNotIncreased: return "usage_not_increased";
    case Code::kBadReporter: return "bad_reporter";
    case Code::kCountInUse: return "count_in_use";
    case Code::kNotCancellable: return "not_cancellable";
  }
  return "unknown";
}

Status reject(Code code, std::string message) {
  return Status{static_cast<uint32_t>(code), reason_of(code), std::move(message)};
}

}  // namespace vest::vesting
