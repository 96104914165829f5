// Messages of the vesting contract and their encodings (docs/protocol.md,
// "Messages"). Wallets build these; only contracts/vesting executes them.
#pragma once

#include <string>
#include <vector>

#include "chain/address.h"
#include "chain/amount.h"
#include "chain/bytes.h"
#include "chain/status.h"
#include "contracts/vesting/codes.h"

namespace vest::vesting {

// Releases what has vested of the sender's positions to its balance.
// payload = RLP[[id, ...]]; an empty list claims every accepted position of
// the sender that has something to claim, oldest first, at most kMaxClaimIds
// of them. Naming an offered position accepts it.
constexpr uint64_t kClaimKind = 20;
// Locks the sender's own tokens in a new position for `beneficiary`. A grant
// to another account is offered: it vests, but counts in the beneficiary's
// holdings, claim-all and stake only once accepted (kAcceptKind).
// payload = RLP[beneficiary, asset, amount, schedule, revocable, start]
// where schedule is the schedule encoding (contracts/vesting/schedule.h) and
// start 0 means the block time.
constexpr uint64_t kGrantKind = 21;
// The funder of a revocable position takes back what has not vested.
// payload = RLP[id]
constexpr uint64_t kRevokeKind = 22;
// The beneficiary accepts offered grants. payload = RLP[[id, ...]] (as a claim).
constexpr uint64_t kAcceptKind = 23;
// The beneficiary declines a grant funded by someone else: what it still holds
// goes back to the funder. payload = RLP[id] (as a revoke).
constexpr uint64_t kDeclineKind = 24;
// The reporter of a usage metric (genesis `vesting.metrics`) records a
// holder's value of it: the new total, above the one recorded (values only
// grow). payload = RLP[metric, holder, value]
constexpr uint64_t kReportUsageKind = 25;

constexpr size_t kMaxClaimIds = 100;

struct Claim {
  std::vector<uint64_t> ids;
  Bytes encode() const;
  static Status decode(ByteView payload, Claim& out);
};

struct Grant {
  Address beneficiary;
  std::string asset;
  Amount amount = 0;
  Bytes schedule;  // encoded schedule
  bool revocable = false;
  uint64_t start = 0;
  Bytes encode() const;
  static Status decode(ByteView payload, Grant& out);
};

struct Revoke {
  uint64_t id = 0;
  Bytes encode() const;
  static Status decode(ByteView payload, Revoke& out);
};

struct ReportUsage {
  std::string metric;
  Address holder;
  uint64_t value = 0;
  Bytes encode() const;
  static Status decode(ByteView payload, ReportUsage& out);
};

using Accept = Claim;
using Decline = Revoke;

}  // namespace vest::vesting
