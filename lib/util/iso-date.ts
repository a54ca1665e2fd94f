// Date → ISO 8601 string, as Date.prototype.toISOString writes it, by integer arithmetic.
//
// V8's toISOString goes through a C++ builtin and printf-style formatting: on a busy list endpoint
// (three timestamps per object, 50–1,000 objects per page) it was the largest single item in the
// serializer's profile. Years outside 0000–9999 (which toISOString writes as ±YYYYYY) take the
// builtin.

const DAY_MS = 86_400_000;
const MIN_MS = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
const MAX_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

// The last answer: a sync writes one `now` into thousands of rows, and a page of objects made
// together shares their timestamps.
let lastMs = Number.NaN;
let lastIso = "";

/** `d.toISOString()`, or null for an invalid date (what JSON.stringify makes of one). */
export function isoString(d: Date): string | null {
  const ms = d.getTime();
  if (ms === lastMs) return lastIso;
  if (Number.isNaN(ms)) return null;
  if (ms < MIN_MS || ms > MAX_MS) return d.toISOString();
  lastIso = civil(ms);
  lastMs = ms;
  return lastIso;
}

function civil(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  let t = ms - days * DAY_MS;
  const milli = t % 1000;
  t = (t - milli) / 1000;
  const sec = t % 60;
  t = (t - sec) / 60;
  const min = t % 60;
  const hour = (t - min) / 60;
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm, eras of 400 years from 0000-03-01).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const yyyy = year < 10 ? `000${year}` : year < 100 ? `00${year}` : year < 1000 ? `0${year}` : `${year}`;
  const mmm = milli < 10 ? `00${milli}` : milli < 100 ? `0${milli}` : `${milli}`;
  return `${yyyy}-${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(min)}:${pad2(sec)}.${mmm}Z`;
}
