// Unlock curves of vesting positions, computed from the schedule vesting_get answers,
// exactly as the chain does (docs/sale-and-vesting.md, "Schedules";
// contracts/vesting/schedule.cpp): BigInt arithmetic, rounding down.

const kBpsTotal = 10000n;

// What each part holds: floor(total × bps / 10000), the last part the rest.
export function partAmounts(total, parts) {
  const t = BigInt(total);
  const amounts = [];
  let assigned = 0n;
  parts.forEach((part, i) => {
    const a = i + 1 < parts.length ? (t * BigInt(part.bps)) / kBpsTotal : t - assigned;
    amounts.push(a);
    assigned += a;
  });
  return amounts;
}

// The part kinds the page computes from the schedule alone (offsets from the anchor).
const kDated = new Set(['linear', 'tranche', 'periodic']);
// Milestone kinds known today; the position's `milestones` entries name any other.
const kMilestones = new Set(['stake', 'purchases', 'referrals', 'usage']);

// The position's milestones entry of part `index`, or undefined.
function milestoneOf(position, index) {
  return (position.milestones || []).find((m) => m.part === index);
}

// How part `index` vests: "linear", "tranche" or "periodic" by its offsets; "milestone"
// (stake, purchases, referrals, usage, or a newer kind the position lists under
// `milestones`): all of it at its `metAt`, nothing before or while unmet; "unknown":
// a kind this page cannot compute, drawn as nothing vested.
export function partKind(position, part, index) {
  if (kDated.has(part.type)) return part.type;
  if (kMilestones.has(part.type) || milestoneOf(position, index)) return 'milestone';
  return 'unknown';
}

// The schedule indexes of the parts this page cannot draw.
export function unknownParts(position) {
  return position.schedule.parts.map((part, i) => (partKind(position, part, i) === 'unknown' ? i : -1)).filter((i) => i >= 0);
}

// Block time at which milestone part `index` was met, or null.
function metAt(position, index) {
  const m = milestoneOf(position, index);
  return m && m.metAt !== null && m.metAt !== undefined ? BigInt(m.metAt) : null;
}

function partVested(position, part, index, amount, t) {
  const kind = partKind(position, part, index);
  if (kind === 'milestone') {
    const met = metAt(position, index);
    return met !== null && met <= t ? amount : 0n;
  }
  if (kind === 'unknown') return 0n;
  const anchor = BigInt(position.anchor);
  if (t < anchor) return 0n;
  const elapsed = t - anchor;
  if (kind === 'tranche') return elapsed >= BigInt(part.time) ? amount : 0n;
  if (kind === 'periodic') {
    const start = BigInt(part.start ?? 0), period = BigInt(part.period), count = BigInt(part.count);
    let ended = elapsed < start ? 0n : (elapsed - start) / period;
    if (ended > count) ended = count;
    return ended === count ? amount : (amount / count) * ended;
  }
  // linear
  const start = BigInt(part.start ?? 0), cliff = BigInt(part.cliff ?? part.start ?? 0), end = BigInt(part.end);
  if (elapsed < cliff) return 0n;
  if (elapsed >= end) return amount;
  return (amount * (elapsed - start)) / (end - start);
}

// Vested amount of `position` at block time `t` (seconds), as a BigInt.
export function vestedAt(position, t) {
  const time = BigInt(t);
  if (position.revokedAt !== null && position.revokedAt !== undefined && time >= BigInt(position.revokedAt)) {
    return BigInt(position.total);  // after a revoke, what had vested then
  }
  const original = BigInt(position.originalTotal);
  const parts = position.schedule.parts;
  const amounts = partAmounts(original, parts);
  let sum = 0n;
  parts.forEach((part, i) => {
    sum += partVested(position, part, i, amounts[i], time);
  });
  return sum < original ? sum : original;
}

// The times where the curve bends or steps: the anchor, every part's start, cliff,
// end, tranche and period ends (at most `maxSteps` of a periodic part), met
// milestones, the revoke, and `now`.
function breakpoints(position, now, maxSteps) {
  const anchor = BigInt(position.anchor);
  const times = new Set([anchor, BigInt(now)]);
  position.schedule.parts.forEach((part, i) => {
    const kind = partKind(position, part, i);
    if (kind === 'linear') {
      for (const k of ['start', 'cliff', 'end']) if (part[k] !== undefined) times.add(anchor + BigInt(part[k]));
    } else if (kind === 'tranche') {
      times.add(anchor + BigInt(part.time));
    } else if (kind === 'periodic') {
      const start = BigInt(part.start ?? 0), period = BigInt(part.period), count = BigInt(part.count);
      const stride = count > BigInt(maxSteps) ? count / BigInt(maxSteps) + 1n : 1n;
      for (let k = 1n; k <= count; k += stride) times.add(anchor + start + k * period);
      times.add(anchor + start + count * period);
    } else if (kind === 'milestone') {
      const met = metAt(position, i);
      if (met !== null) times.add(met);
    }
  });
  if (position.revokedAt !== null && position.revokedAt !== undefined) times.add(BigInt(position.revokedAt));
  return [...times].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

// The curve as points {t, v} (BigInt seconds, BigInt base units), oldest first: at a
// step, a point just before it (t − 1 s) and one at it; straight lines between
// points are exact (up to the rounding down of linear parts).
export function unlockCurve(position, now, maxSteps = 240) {
  const points = [];
  for (const t of breakpoints(position, now, maxSteps)) {
    const v = vestedAt(position, t);
    const before = t > 0n ? vestedAt(position, t - 1n) : v;
    if (before !== v && (points.length === 0 || points[points.length - 1].t < t - 1n)) {
      points.push({ t: t - 1n, v: before });
    }
    points.push({ t, v });
  }
  return points;
}
