// Rejection codes of the vesting contract (300..399).
#pragma once

#include <cstdint>
#include <string>

#include "chain/status.h"

namespace vest::vesting {

enum class Code : uint32_t {
  kBadSchedule = 300,        // a schedule that does not validate or decode
  kNotFound = 301,           // no position with that id
  kNotBeneficiary = 302,     // claiming someone else's position
  kNotFunder = 303,          // revoking a position one did not fund
  kNotRevocable = 304,
  kBelowMinimum = 305,       // a grant below the genesis minimum for its asset
  kMalformedPayload = 306,
  kNothingToClaim = 307,
  kAssetNotGrantable = 308,  // no minimum set in genesis for the asset
  kModuleAccount = 309,      // a grant to a keyless module account
  kCannotDecline = 310,      // declining a purchase, a referral, one's own grant or a closed position
  kNotOffered = 311,         // accepting a position that is not an offered grant
  kUnknownMetric = 312,      // a usage metric genesis does not name
  kNotReporter = 313,        // recording usage of a metric one does not report
  kUsageNotIncreased = 314,  // a usage value at or below the one recorded
  kBadReporter = 315,        // a reporter that is a module account or already the metric's
  kCountInUse = 316,         // lowering a count a met milestone part depends on
  kNotCancellable = 317,     // cancelling a position that was revoked or declined
};

const char* reason_of(Code code);
Status reject(Code code, std::string message);

}  // namespace vest::vesting
