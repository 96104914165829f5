// Text for amounts, times and hashes. Amounts are decimal strings of base units of
// up to 128 bits (docs/rpc.md): they stay BigInt and are never rounded.

// "1234567.5" from 1234567500000000000000000n base units at 18 decimals: every digit
// kept, trailing zeros of the fraction dropped, thousands separated by commas.
export function formatUnits(value, decimals) {
  const v = BigInt(value);
  const negative = v < 0n;
  const digits = (negative ? -v : v).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return (negative ? '-' : '') + whole + (fraction ? '.' + fraction : '');
}

// The same value as a JavaScript number of whole units, for drawing a chart only.
export function unitsForChart(value, decimals) {
  const v = BigInt(value);
  const scale = 10n ** BigInt(decimals);
  return Number(v / scale) + Number(v % scale) / Number(scale);
}

// "2026-12-31 13:33:17 UTC" from Unix seconds.
export function formatTime(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  return new Date(Number(seconds) * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

// "2026-12-31" from Unix seconds.
export function formatDate(seconds) {
  return new Date(Number(seconds) * 1000).toISOString().slice(0, 10);
}

// "30 d 4 h", "12 h", "5 min", "40 s".
export function formatDuration(seconds) {
  let s = Number(seconds);
  if (s >= 86400) {
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    return h ? `${d} d ${h} h` : `${d} d`;
  }
  if (s >= 3600) return `${Math.floor(s / 3600)} h`;
  if (s >= 60) return `${Math.floor(s / 60)} min`;
  return `${s} s`;
}

// "0x3c44…93bc" for a long hash or address.
export function short(hex) {
  const text = String(hex);
  return text.length > 14 ? text.slice(0, 8) + '…' + text.slice(-4) : text;
}

// "25.00 %" from basis points.
export function formatBps(bps) {
  const b = BigInt(bps);
  return `${b / 100n}.${(b % 100n).toString().padStart(2, '0')} %`;
}
