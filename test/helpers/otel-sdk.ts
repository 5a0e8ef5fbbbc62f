/**
 * The OpenTelemetry SDK under test: 2.x from the root install (Node >= 20), or 3.x from test/otel-sdk3
 * when MAPWATCH_OTEL_SDK=3 (the Node 24 run; SDK 3 needs Node >= 22.15 and its own API 1.10 install).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import * as sdk2 from '@opentelemetry/sdk-metrics';
import * as exporter2 from '@opentelemetry/exporter-prometheus';

export const OTEL_SDK_MAJOR = process.env.MAPWATCH_OTEL_SDK === '3' ? 3 : 2;

async function loadSdk3(): Promise<{ sdk: typeof sdk2; exporter: typeof exporter2 }> {
  const require = createRequire(new URL('../otel-sdk3/package.json', import.meta.url));
  const load = async (name: string) => import(pathToFileURL(require.resolve(name)).href);
  const sdk = (await load('@opentelemetry/sdk-metrics')) as typeof sdk2;
  const exporter = (await load('@opentelemetry/exporter-prometheus')) as typeof exporter2;
  const manifest = new URL(
    '../otel-sdk3/node_modules/@opentelemetry/sdk-metrics/package.json',
    import.meta.url,
  );
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  if (!version.startsWith('3.')) throw new Error(`test/otel-sdk3 holds sdk-metrics ${version}, expected 3.x`);
  return { sdk, exporter };
}

const loaded = OTEL_SDK_MAJOR === 3 ? await loadSdk3() : { sdk: sdk2, exporter: exporter2 };

export const { MeterProvider } = loaded.sdk;
export const { PrometheusExporter } = loaded.exporter;
