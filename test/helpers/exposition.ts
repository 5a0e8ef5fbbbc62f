/** A minimal parser of the Prometheus text / OpenMetrics exposition, enough to compare samples. */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$/;

function parseLabels(body: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const eq = body.indexOf('=', i);
    const name = body.slice(i, eq).trim();
    let j = eq + 2; // skip ="
    let value = '';
    while (j < body.length && body[j] !== '"') {
      if (body[j] === '\\') {
        const next = body[j + 1];
        value += next === 'n' ? '\n' : next;
        j += 2;
      } else {
        value += body[j];
        j++;
      }
    }
    labels[name] = value;
    i = j + 1;
    if (body[i] === ',') i++;
  }
  return labels;
}

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`unparseable exposition line: ${line}`);
    const value = m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : Number(m[4]);
    samples.push({ name: m[1]!, labels: m[3] ? parseLabels(m[3]) : {}, value });
  }
  return samples;
}

/** `name{a="1",b="2"}` with labels sorted, leaving out the given label names. */
export function seriesKey(s: Sample, omit: readonly string[] = []): string {
  const labels = Object.entries(s.labels)
    .filter(([k]) => !omit.includes(k))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
  return `${s.name}{${labels}}`;
}
